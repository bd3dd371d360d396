/**
 * How containerd chooses an index entry, case by case: the host (as CTRIMG_HOST_PLATFORM gives
 * it, build.UBR), what -Platform asked for (if anything), the index entries in order, and the
 * entry containerd's pull takes (1-based) or 0 when it takes none. Each case names the Go code
 * (github.com/containerd/platforms at 09756f5, containerd core/images/handlers.go) and the Go
 * test it comes from. Entries are written `os/arch[/variant][:os.version][+feature...]` as they
 * stand in the index (no case folding, no checks); `null` is an entry without a platform.
 */
export interface PlatformCase {
  name: string;
  host: string;
  asked?: string;
  entries: (string | null)[];
  /** 1-based index of the entry taken; 0: PLATFORM_NOT_FOUND. */
  takes: number;
}

const LINUX = 'linux/amd64';
const WS2022 = 'windows/amd64:10.0.20348.3091';
const WS2025 = 'windows/amd64:10.0.26100.2894';

export const PLATFORM_CASES: PlatformCase[] = [
  // platform_windows_compat_test.go Test_PlatformOrder (windowsMatchComparer.Less over NewMatcher(host)).
  { name: 'WS2022 host takes the 2022 entry', host: 'windows/amd64:10.0.20348.3091', entries: [LINUX, WS2022, WS2025], takes: 2 },
  { name: 'WS2025 host takes the 2025 entry', host: 'windows/amd64:10.0.26100.2894', entries: [LINUX, WS2022, WS2025], takes: 3 },
  { name: 'WS2025 host takes the latest 2025 revision', host: 'windows/amd64:10.0.26100.2894', entries: [LINUX, WS2022, 'windows/amd64:10.0.26100.3000'], takes: 3 },
  // defaults_test.go TestWindowsMatchComparerLess: same build first, highest revision, then no os.version; 17764 and 17762 never.
  {
    name: 'highest revision of the host build before an entry without os.version',
    host: 'windows/amd64:10.0.17763.1',
    entries: ['windows/amd64:10.0.17764.1', 'windows/amd64', 'windows/amd64:10.0.17763.1', 'windows/amd64:10.0.17763.2', 'windows/amd64:10.0.17762.1'],
    takes: 4,
  },
  // windowsMatchComparer.Less: `p1.OSVersion > p2.OSVersion` compares text, so .973 beats .1039.
  { name: 'revisions compare as text: .973 beats .1039 (listed second)', host: 'windows/amd64:10.0.17763.5830', entries: ['windows/amd64:10.0.17763.1039', 'windows/amd64:10.0.17763.973'], takes: 2 },
  { name: 'revisions compare as text: .973 beats .1039 (listed first)', host: 'windows/amd64:10.0.17763.5830', entries: ['windows/amd64:10.0.17763.973', 'windows/amd64:10.0.17763.1039'], takes: 1 },
  { name: 'revisions compare as text: .99 beats .100', host: 'windows/amd64:10.0.20348.2000', entries: ['windows/amd64:10.0.20348.100', 'windows/amd64:10.0.20348.99'], takes: 2 },
  // checkWindowsHostAndContainerCompat: before 20348 only the host's own build (Test_PlatformCompat ltsc2019 rows).
  { name: '17763 host refuses 20348', host: 'windows/amd64:10.0.17763.5830', entries: [WS2022], takes: 0 },
  { name: '19041 host (no exact build listed) takes nothing older', host: 'windows/amd64:10.0.19041.1415', entries: ['windows/amd64:10.0.17763.1', WS2022], takes: 0 },
  // checkWindowsHostAndContainerCompat from 20348 on (Test_PlatformCompat ltsc2022, v22H2Win11, v23H2, ltsc2025 rows).
  { name: '20348 host refuses 17763', host: 'windows/amd64:10.0.20348.1', entries: ['windows/amd64:10.0.17763.1'], takes: 0 },
  { name: '20348 host refuses 22621 and 26100', host: 'windows/amd64:10.0.20348.1', entries: ['windows/amd64:10.0.26100.1', 'windows/amd64:10.0.22621.1', 'windows/amd64:10.0.20348.1'], takes: 3 },
  { name: '22621 host runs 20348, not 17763', host: 'windows/amd64:10.0.22621.3000', entries: ['windows/amd64:10.0.17763.9999', 'windows/amd64:10.0.20348.1'], takes: 2 },
  { name: '25398 host runs 20348', host: 'windows/amd64:10.0.25398.1000', entries: ['windows/amd64:10.0.20348.2000'], takes: 1 },
  { name: '26100 host: 22621 ranks above 20348 (text), 17763 never', host: 'windows/amd64:10.0.26100.1', entries: ['windows/amd64:10.0.17763.1', 'windows/amd64:10.0.20348.9', 'windows/amd64:10.0.22621.1'], takes: 3 },
  // checkWindowsHostAndContainerCompat: a host after 26100 runs 26100 up to its own build only.
  { name: '26200 host no longer runs 20348', host: 'windows/amd64:10.0.26200.1', entries: ['windows/amd64:10.0.20348.1'], takes: 0 },
  { name: '26200 host runs 26100', host: 'windows/amd64:10.0.26200.1', entries: ['windows/amd64:10.0.20348.1', 'windows/amd64:10.0.26100.1'], takes: 2 },
  // getWindowsOSVersion ignores the revision: the host's UBR never changes the choice (defaults_test.go TestMatchComparerMatch_WCOW).
  { name: 'host revision older than the entry', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0.17763.5830'], takes: 1 },
  // getWindowsOSVersion: a two-part os.version is no version (all zero), which a host with a build does not run.
  { name: 'two-part os.version is refused', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0'], takes: 0 },
  // getWindowsOSVersion: ParseUint(build, 10, 16): a build beyond 65535 is no version.
  { name: 'build out of uint16 range is refused', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0.70000.1'], takes: 0 },
  // windowsVersionMatcher.Match: an entry without os.version matches any build, and ranks below versioned ones (empty text).
  { name: 'entry without os.version on any host', host: 'windows/amd64:10.0.26100.1', entries: ['windows/amd64:10.0.26200.1', 'windows/amd64'], takes: 2 },
  // windowsStripFeaturesMatcher: win32k is dropped before matching (platforms.go NewMatcher).
  { name: 'win32k entry taken', host: 'windows/amd64:10.0.17763.5830', entries: [LINUX, 'windows/amd64:10.0.17763.5830+win32k'], takes: 2 },
  // matcher.Match: other os.features must be the host's, and DefaultSpec has none.
  { name: 'other features refused', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0.17763.9+gpu', 'windows/amd64:10.0.17763.2'], takes: 2 },
  { name: 'win32k with another feature refused', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0.17763.1+win32k+gpu'], takes: 0 },
  // windowsStripFeaturesMatcher drops only the first win32k; Normalize keeps one of the rest.
  { name: 'win32k listed twice refused', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0.17763.9+win32k+win32k', 'windows/amd64:10.0.17763.1'], takes: 2 },
  // windowsMatchComparer.Less has no feature preference: equal os.version, index order.
  { name: 'default: no preference for os.features', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64:10.0.17763.1', 'windows/amd64:10.0.17763.1+win32k'], takes: 1 },
  // Normalize: os lowercased, x86_64 is amd64, amd64/v1 is amd64 (database.go normalizeOS, normalizeArch).
  { name: 'os name case', host: 'windows/amd64:10.0.17763.1', entries: ['Windows/amd64:10.0.17763.1'], takes: 1 },
  { name: 'x86_64 is amd64', host: 'windows/amd64:10.0.17763.1', entries: ['windows/x86_64:10.0.17763.1'], takes: 1 },
  { name: 'amd64/v1 is amd64', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64/v1:10.0.17763.1'], takes: 1 },
  // Default on Windows is NewMatcher, not Only: the variant must be equal, and 386 is not amd64 (TestOnly rows hold for Only only).
  { name: 'amd64/v2 entry refused on an amd64 host', host: 'windows/amd64:10.0.17763.1', entries: ['windows/amd64/v2:10.0.17763.1'], takes: 0 },
  { name: '386 entry refused on an amd64 host', host: 'windows/amd64:10.0.17763.1', entries: ['windows/386:10.0.17763.1'], takes: 0 },
  // cpuVariant is v8 on arm64 Windows and Normalize drops it; arm64/v8.2 stays v8.2.
  { name: 'arm64 host: arm64 and arm64/v8, not v8.2', host: 'windows/arm64/v8:10.0.26100.1', entries: ['windows/arm64/v8.2:10.0.26100.5', 'windows/arm64:10.0.26100.1'], takes: 2 },
  // normalizeOS: an empty os is the runtime's (here the host's).
  { name: 'empty os is the host os', host: 'windows/amd64:10.0.17763.1', entries: ['/amd64:10.0.17763.1'], takes: 1 },
  // defaults_test.go TestDefaultMatchComparer: a Windows host does not take linux.
  { name: 'linux only on a Windows host', host: 'windows/amd64:10.0.17763.5830', entries: [LINUX, 'linux/arm64/v8'], takes: 0 },
  // handlers.go FilterPlatforms keeps entries without a platform; LimitManifests sorts them last.
  { name: 'entry without platform sorts last', host: 'windows/amd64:10.0.17763.1', entries: [null, 'windows/amd64:10.0.17763.1'], takes: 2 },
  { name: 'entry without platform taken when nothing matches', host: 'windows/amd64:10.0.17763.1', entries: [LINUX, null], takes: 2 },

  // -Platform: compare.go Only = Ordered(platformVector(...)): index order among equals, plus moby's newer-build refusal.
  { name: 'asked windows/amd64 on a 17763 host: newer builds never', host: 'windows/amd64:10.0.17763.5830', asked: 'windows/amd64', entries: ['windows/amd64:10.0.26100.1', WS2022, 'windows/amd64:10.0.17763.1'], takes: 3 },
  // compare_test.go TestOnly "windows/amd64": any os.version matches; on a Linux host no build is newer than the host's.
  { name: 'asked windows/amd64 on a linux host: the first', host: LINUX, asked: 'windows/amd64', entries: [LINUX, 'windows/amd64:10.0.26100.1', 'windows/amd64:10.0.17763.1'], takes: 2 },
  // Only with a version: that build's matcher (17763: exact), an older build than the host's for Hyper-V isolation.
  { name: 'asked 17763 on a 20348 host', host: 'windows/amd64:10.0.20348.1', asked: 'windows/amd64:10.0.17763', entries: [WS2022, 'windows/amd64:10.0.17763.1'], takes: 2 },
  // orderedPlatformComparer.Less: no os.version ordering, index order decides.
  { name: 'asked: index order, not the newest revision', host: 'windows/amd64:10.0.17763.5830', asked: 'windows/amd64:10.0.17763', entries: ['windows/amd64:10.0.17763.1', 'windows/amd64:10.0.17763.2'], takes: 1 },
  // moby checkImageCompatibility: a build newer than the host's is refused, even asked for.
  { name: 'asked 26100 on a 17763 host', host: 'windows/amd64:10.0.17763.5830', asked: 'windows/amd64:10.0.26100', entries: ['windows/amd64:10.0.26100.1'], takes: 0 },
  // normalizeOS then moby's rule: an entry with no os is the host's (windows), so no newer build either.
  {
    name: 'asked windows/amd64 on a 17763 host: an entry without os is windows, newer never',
    host: 'windows/amd64:10.0.17763.5830',
    asked: 'windows/amd64',
    entries: ['/amd64:10.0.26100.1', 'windows/amd64:10.0.17763.1'],
    takes: 2,
  },
  // orderedPlatformComparer.Less: of two matches, the one with more os.features (win32k stripped only for matching).
  { name: 'asked: more os.features first', host: 'windows/amd64:10.0.17763.1', asked: 'windows/amd64:10.0.17763', entries: ['windows/amd64:10.0.17763.1', 'windows/amd64:10.0.17763.1+win32k'], takes: 2 },
  // platformVector: amd64 also runs 386.
  { name: 'asked windows/amd64 runs a 386 entry', host: 'windows/amd64:10.0.17763.1', asked: 'windows/amd64', entries: ['windows/386:10.0.17763.1'], takes: 1 },
  // platformVector: amd64/v2 runs v2, then v1 (amd64), then 386 (TestOnly "linux/amd64/v2").
  { name: 'asked amd64/v2: v2 before amd64, v3 never', host: 'windows/amd64:10.0.17763.1', asked: 'windows/amd64/v2', entries: ['windows/amd64/v3', 'windows/amd64', 'windows/amd64/v2'], takes: 3 },

  // defaults_unix.go Default = Only(DefaultSpec()) on other hosts; compare_test.go TestOnly rows.
  { name: 'linux amd64 host: amd64 before 386', host: LINUX, entries: ['linux/386', LINUX], takes: 2 },
  { name: 'linux amd64 host: 386 when alone', host: LINUX, entries: ['linux/386', 'windows/amd64'], takes: 1 },
  { name: 'linux amd64 host refuses amd64/v2', host: LINUX, entries: ['linux/amd64/v2'], takes: 0 },
  { name: 'linux arm/v7 host: arm (v7) before v6 and v5', host: 'linux/arm/v7', entries: ['linux/arm/v5', 'linux/arm', 'linux/arm/v6'], takes: 2 },
  { name: 'linux arm64 host: arm64/v8 before arm/v7', host: 'linux/arm64/v8', entries: ['linux/arm/v7', 'linux/arm64/v8'], takes: 2 },
  { name: 'linux arm64 host refuses arm64/v9', host: 'linux/arm64/v8', entries: ['linux/arm64/v9'], takes: 0 },
  { name: 'asked arm64/v9.6: no v8.10', host: LINUX, asked: 'linux/arm64/v9.6', entries: ['linux/arm64/v8.10'], takes: 0 },
  { name: 'asked arm64/v9.6 runs v8.9', host: LINUX, asked: 'linux/arm64/v9.6', entries: ['linux/arm64/v8.10', 'linux/arm64/v8.9'], takes: 2 },
  // compare_test.go TestCompareOSFeatures: features the platform lacks never match; more matching features first.
  { name: 'linux host refuses +other', host: LINUX, entries: ['linux/amd64+other', LINUX], takes: 2 },
  { name: 'asked +f1+f2: the entry with both', host: LINUX, asked: 'linux/amd64+f1+f2', entries: [LINUX, 'linux/amd64+f2', 'linux/amd64+f1', 'linux/amd64+f1+f2'], takes: 4 },
];
