/**
 * Platforms (`os/arch[/variant][:osversion][+feature...]`) and choosing an index entry for one,
 * exactly as containerd chooses (github.com/containerd/platforms, read at 09756f5, and
 * containerd's core/images FilterPlatforms / LimitManifests): the entries a MatchComparer
 * matches, plus those with no platform, stably sorted by its Less (no platform last), the
 * first taken.
 *
 * - On this host, nothing asked: platforms.Default(). On Windows that is the host's matcher
 *   (os, architecture and variant equal after Normalize, the entry's `win32k` os.feature
 *   dropped, its other os.features none, its build one the host runs:
 *   checkWindowsHostAndContainerCompat) ranked by os.version compared AS TEXT. Elsewhere it is
 *   platforms.Only(host).
 * - `-Platform`: platforms.Only(asked): the asked platform and the ones it runs (amd64/v3 runs
 *   v2, v1 and 386; arm/v7 runs v6 and v5; arm64/v8.x runs v8.<x and arm/v8...), ranked in
 *   that order, then by more os.features, then by index order. A Windows platform asked for
 *   without an os.version matches every build (containerd's windowsVersionMatcher).
 * - One rule of moby's on top (daemon/internal/distribution pull_v2_windows.go
 *   checkImageCompatibility, run on every pull there): on a Windows host, a Windows entry or
 *   config whose build is newer than the host's is never taken, whatever was asked for. Under
 *   Default it removes nothing containerd's matcher keeps.
 */
import { notFound, usage } from '../errors.js';
import type { Descriptor, DescriptorPlatform, ImageConfig } from './manifest.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

const OS_RE = /^[a-z0-9_-]+$/;
const PART_RE = /^[a-z0-9_.-]+$/;
const VERSION_RE = /^\d+(\.\d+){0,3}$/;
const FEATURE_RE = /^[a-z0-9_.-]+$/;
const EXAMPLE = 'os/arch[/variant][:osversion][+feature...], e.g. windows/amd64:10.0.20348';

export function parsePlatform(input: string): Platform {
  const bad = (why: string) => usage(`invalid platform '${input}': ${why}; expected ${EXAMPLE}`);
  const [s, ...features] = input.trim().toLowerCase().split('+') as [string, ...string[]];
  if (!features.every((f) => FEATURE_RE.test(f))) throw bad('os features may only contain a-z, 0-9, _, . and -');
  const colon = s.indexOf(':');
  const path = colon < 0 ? s : s.slice(0, colon);
  const osVersion = colon < 0 ? undefined : s.slice(colon + 1);
  const parts = path.split('/');
  if (parts.length < 2 || parts.length > 3) throw bad('it needs two or three parts separated by /');
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  if (!OS_RE.test(os) || !parts.slice(1).every((p) => PART_RE.test(p))) throw bad('parts may only contain a-z, 0-9, _ and - (and . after the os)');
  if (osVersion !== undefined && !VERSION_RE.test(osVersion)) throw bad(`'${osVersion}' is not a numeric os version`);
  const p: Platform = { os, architecture };
  if (variant !== undefined) p.variant = variant;
  if (osVersion !== undefined) p.osVersion = osVersion;
  if (features.length > 0) p.osFeatures = features;
  return p;
}

export function formatPlatform(p: Platform): string {
  const features = p.osFeatures?.map((f) => `+${f}`).join('') ?? '';
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}${p.osVersion ? `:${p.osVersion}` : ''}${features}`;
}

/** What the host platform is made of; ops/host.ts reads them (or takes them from CTRIMG_HOST_PLATFORM). */
export interface HostFacts {
  platform: NodeJS.Platform;
  /** os.arch(). */
  arch: string;
  /** os.release(): `10.0.<build>` on Windows. */
  release: string;
  /** Windows' update build revision (the registry value UBR); absent when it could not be read. */
  ubr?: number;
  /** os.endianness(), which tells ppc64le from ppc64. */
  endianness: 'BE' | 'LE';
  /** Node's arm_version (the ARM variant), on arm. */
  armVersion?: string;
}

/** The host's platform in OCI names; on Windows its os.version is `10.0.<build>.<UBR>` (`10.0.<build>` when the UBR is unknown). */
export function hostPlatform(facts: HostFacts): Platform {
  const os = facts.platform === 'win32' ? 'windows' : facts.platform;
  const p: Platform = { os, architecture: facts.arch };
  switch (p.architecture) {
    case 'x64':
      p.architecture = 'amd64';
      break;
    case 'ia32':
      p.architecture = '386';
      break;
    case 'arm64':
      p.variant = 'v8';
      break;
    case 'arm':
      if (facts.armVersion !== undefined) p.variant = `v${facts.armVersion}`;
      break;
    case 'ppc64':
      if (facts.endianness === 'LE') p.architecture = 'ppc64le';
      break;
  }
  const build = /^(\d+)\.(\d+)\.(\d+)/.exec(facts.release);
  if (os === 'windows' && build) p.osVersion = [build[1], build[2], build[3], ...(facts.ubr === undefined ? [] : [facts.ubr])].join('.');
  return p;
}

/**
 * What an entry is chosen for: this host (containerd's platforms.Default()), or, when `asked`,
 * a platform asked for (platforms.Only(asked)) on this host. The host's full version (with its
 * revision) shows in messages; only major.minor.build take part in matching.
 */
export interface PlatformChoice {
  host: Platform;
  asked?: Platform;
}

// ---- containerd/platforms, function by function --------------------------------------------

/** Go compares strings byte by byte (UTF-8); so does this, unlike `<` on UTF-16 strings. */
function goCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** database.go normalizeOS: lowercase, macos is darwin, and none is the runtime's (the host's). */
function normalizeOS(os: string, hostOS: string): string {
  if (os === '') return hostOS;
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** database.go normalizeArch. */
function normalizeArch(arch: string, variant: string): [string, string] {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case 'i386':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', variant === 'v1' ? '' : variant];
    case 'aarch64':
    case 'arm64':
      if (['8', 'v8', 'v8.0'].includes(variant)) return ['arm64', ''];
      if (['9', '9.0', 'v9.0'].includes(variant)) return ['arm64', 'v9'];
      return ['arm64', variant];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      if (variant === '' || variant === '7') return ['arm', 'v7'];
      if (['5', '6', '8'].includes(variant)) return ['arm', `v${variant}`];
      return ['arm', variant];
  }
  return [arch, variant];
}

/** platforms.go Normalize: os and arch/variant canonical, os.features sorted without repeats. */
function normalize(p: Platform, hostOS: string): Platform {
  const [architecture, variant] = normalizeArch(p.architecture, p.variant ?? '');
  const n: Platform = { ...p, os: normalizeOS(p.os, hostOS), architecture, variant };
  if (p.osFeatures?.length) n.osFeatures = [...new Set(p.osFeatures)].sort(goCompare);
  else delete n.osFeatures;
  return n;
}

interface WindowsVersion {
  major: number;
  minor: number;
  build: number;
}

const NO_VERSION: WindowsVersion = { major: 0, minor: 0, build: 0 };

/** strconv.ParseUint(s, 10, bits): decimal digits only, within range. */
function parseUint(s: string, max: number): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/**
 * platform_windows_compat.go getWindowsOSVersion: major.minor.build of `10.0.17763[.rev]`; none
 * (all zero) for fewer than three parts or a part out of uint8/uint8/uint16 range.
 */
function windowsVersion(v: string): WindowsVersion {
  const parts = v.split('.');
  if (parts.length < 3) return NO_VERSION;
  const major = parseUint(parts[0]!, 0xff);
  const minor = parseUint(parts[1]!, 0xff);
  const build = parseUint(parts[2]!, 0xffff);
  return major === undefined || minor === undefined || build === undefined ? NO_VERSION : { major, minor, build };
}

const LTSC2022 = 20348;
/** compatLTSCReleases: the stable-ABI LTSC builds (ltsc2022, ltsc2025), ascending. */
const STABLE_ABI_LTSC = [LTSC2022, 26100];

/**
 * checkWindowsHostAndContainerCompat: before 20348 a host runs only its own build; from 20348
 * on, any build from the latest LTSC before it (20348 itself for a 20348 host) up to its own.
 */
function windowsRuns(host: WindowsVersion, ctr: WindowsVersion): boolean {
  if (host.major !== ctr.major || host.minor !== ctr.minor) return false;
  if (host.build < LTSC2022) return host.build === ctr.build;
  const supported = [...STABLE_ABI_LTSC].reverse().find((b) => host.build > b) ?? LTSC2022;
  return supported <= ctr.build && ctr.build <= host.build;
}

/** windowsVersionMatcher.Match: a matcher without a version, or an entry without one, matches. */
function windowsVersionMatches(host: WindowsVersion, entryVersion: string): boolean {
  if ((host.major === 0 && host.minor === 0 && host.build === 0) || entryVersion === '') return true;
  return windowsRuns(host, windowsVersion(entryVersion));
}

type Matcher = (p: Platform) => boolean;

/**
 * platforms.go NewMatcher: os, architecture and variant equal after Normalize, the os.version
 * a Windows matcher's build runs, the entry's os.features a subset of the matcher's. For a
 * Windows matcher the entry's first `win32k` is dropped before (windowsStripFeaturesMatcher).
 */
function newMatcher(platform: Platform, hostOS: string): Matcher {
  const m = normalize(platform, hostOS);
  const own = new Set(m.osFeatures);
  // Go tests the os as given, before Normalize.
  const version = platform.os === 'windows' ? windowsVersion(platform.osVersion ?? '') : undefined;
  const match: Matcher = (p) => {
    const n = normalize(p, hostOS);
    if (n.os !== m.os || n.architecture !== m.architecture || n.variant !== m.variant) return false;
    if (version && !windowsVersionMatches(version, p.osVersion ?? '')) return false;
    return (n.osFeatures ?? []).every((f) => own.has(f));
  };
  if (!version) return match;
  return (p) => {
    const features = [...(p.osFeatures ?? [])];
    const i = features.indexOf('win32k');
    if (i >= 0) features.splice(i, 1);
    return match({ ...p, osFeatures: features });
  };
}

/**
 * compare.go arm64variantToVersion: for each arm64 variant, the [major, highest minor] pairs it
 * runs, best first (v9.x also runs v8 up to x+5; there is no v9.8 or v9.9).
 */
const ARM64_RUNS = new Map<string, [number, number][]>([
  ['v8', [[8, 0]]],
  ['v9', [[9, 0], [8, 5]]],
  ...Array.from({ length: 10 }, (_, x): [string, [number, number][]] => [`v8.${x}`, [[8, x]]]),
  ...Array.from({ length: 8 }, (_, x): [string, [number, number][]] => [`v9.${x}`, [[9, x], [8, Math.min(x + 5, 9)]]]),
]);

/** compare.go platformVector: `platform` and the platforms it also runs, best first. */
function platformVector(platform: Platform): Platform[] {
  const like = (architecture: string, variant?: string): Platform => ({ ...platform, architecture, variant });
  switch (platform.architecture) {
    case 'amd64': {
      const vector = [platform];
      const level = goAtoi((platform.variant ?? '').replace(/^v/, ''));
      if (level !== undefined && level > 1) for (let l = level - 1; l >= 1; l--) vector.push(like('amd64', `v${l}`));
      return [...vector, like('386', undefined)];
    }
    case 'arm': {
      const vector = [platform];
      const level = goAtoi((platform.variant ?? '').replace(/^v/, ''));
      if (level !== undefined && level > 5) for (let l = level - 1; l >= 5; l--) vector.push(like('arm', `v${l}`));
      return vector;
    }
    case 'arm64': {
      let variant = platform.variant || 'v8';
      const runs = ARM64_RUNS.get(variant);
      // Go stops here, with an empty vector (nothing matches), for a variant not in its table.
      if (!runs) return [];
      const vector: Platform[] = [];
      for (const [major, top] of runs) {
        for (let minor = top; minor >= 0; minor--) vector.push(like('arm64', minor === 0 ? `v${major}` : `v${major}.${minor}`));
      }
      if (variant.startsWith('v8') || variant.startsWith('v9')) variant = 'v8';
      return [...vector, ...platformVector(like('arm', variant))];
    }
  }
  return [platform];
}

/** strconv.Atoi: an optional sign and decimal digits. */
function goAtoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** A MatchComparer: which platforms match, and a sort key standing in for Less (ascending is best first). */
interface MatchComparer {
  match(p: Platform): boolean;
  compare(a: Platform, b: Platform): number;
}

/**
 * compare.go Only = Ordered(platformVector(Normalize(p))...). orderedPlatformComparer.Less puts
 * first the platform matching an earlier matcher of the vector and, matching the same one, the
 * one with more os.features (counted as the entry lists them); that is the key here.
 */
function only(platform: Platform, hostOS: string): MatchComparer {
  const matchers = platformVector(normalize(platform, hostOS)).map((p) => newMatcher(p, hostOS));
  const rank = (p: Platform) => matchers.findIndex((m) => m(p));
  return {
    match: (p) => rank(p) >= 0,
    compare: (a, b) => rank(a) - rank(b) || (b.osFeatures?.length ?? 0) - (a.osFeatures?.length ?? 0),
  };
}

/**
 * defaults_windows.go Default = windowsMatchComparer{NewMatcher(DefaultSpec())}; DefaultSpec's
 * os.version is major.minor.build and its variant cpuVariant() (v8 on arm64, v7 on arm).
 * windowsMatchComparer.Less: of two matches, `p1.OSVersion > p2.OSVersion` AS TEXT, so
 * 10.0.17763.973 ranks above 10.0.17763.1039 and an entry without os.version below all.
 */
function windowsDefault(host: Platform): MatchComparer {
  const match = newMatcher(host, host.os);
  return { match, compare: (a, b) => goCompare(b.osVersion ?? '', a.osVersion ?? '') };
}

function comparerFor(choice: PlatformChoice): MatchComparer {
  const { host, asked } = choice;
  if (asked) return only(asked, host.os);
  return host.os === 'windows' ? windowsDefault(host) : only(host, host.os);
}

/** moby's checkImageCompatibility: a Windows image of a build newer than a Windows host's is refused. */
function newerThanHost(p: Platform, host: Platform): boolean {
  // An entry's os as the matcher read it: none is the host's.
  if (host.os !== 'windows' || normalizeOS(p.os, host.os) !== 'windows') return false;
  const build = goAtoi((p.osVersion ?? '').split('.')[2] ?? '');
  return build !== undefined && build > windowsVersion(host.osVersion ?? '').build;
}

function fromDescriptor(p: DescriptorPlatform): Platform {
  return { os: p.os, architecture: p.architecture, variant: p.variant, osVersion: p['os.version'], osFeatures: p['os.features'] };
}

/** The entry taken from an index, where it stood, and why (for -WhatIf). */
export interface Choice {
  entry: Descriptor;
  /** 1-based position in the index, and how many entries it has. */
  position: number;
  of: number;
  why: string;
}

/**
 * Chooses the index entry for `choice`, as containerd's pull does (see the top of this file);
 * PLATFORM_NOT_FOUND, naming the platform and listing what the index offers, when none is left.
 */
export function selectManifest(manifests: Descriptor[], choice: PlatformChoice, what = 'image'): Choice {
  const mc = comparerFor(choice);
  const candidates = manifests
    .map((entry, i) => ({ entry, i, p: entry.platform && fromDescriptor(entry.platform) }))
    .filter(({ p }) => p === undefined || (mc.match(p) && !newerThanHost(p, choice.host)));
  // LimitManifests: a stable sort by Less, entries without a platform last.
  candidates.sort((a, b) => (a.p && b.p ? mc.compare(a.p, b.p) : a.p ? -1 : b.p ? 1 : 0));
  const best = candidates[0];
  if (best) return { entry: best.entry, position: best.i + 1, of: manifests.length, why: whyChosen(best.p, candidates.filter((c) => c.p).length, choice) };
  // An entry without a platform is always a candidate, so every entry here has one.
  const offers = manifests.map((d) => formatPlatform(fromDescriptor(d.platform!)));
  throw notFound(`no ${wanted(choice)} variant of ${what}; it offers ${offers.length > 0 ? offers.join(', ') : 'no platforms'}`, {
    code: 'PLATFORM_NOT_FOUND',
    hint: 'ask for one of those platforms',
  });
}

/** The platform a refusal names: the host's (with its revision), or the one asked for and the host. */
function wanted({ host, asked }: PlatformChoice): string {
  if (!asked) return formatPlatform(host);
  return host.os === 'windows' && asked.os === 'windows' ? `${formatPlatform(asked)} (host ${formatPlatform(host)})` : formatPlatform(asked);
}

function whyChosen(p: Platform | undefined, matching: number, { host, asked }: PlatformChoice): string {
  if (!p) return 'the index has no entry for this platform, only one without a platform: its config is checked';
  const rank = matching === 1 ? 'the only match' : undefined;
  if (asked || host.os !== 'windows') {
    return rank ?? `the first of ${matching} matches in platforms.Only order (exact variant first, then more os.features, then index order)`;
  }
  const build = p.osVersion ? windowsVersion(p.osVersion).build : undefined;
  const hostBuild = windowsVersion(host.osVersion ?? '').build;
  const runs =
    build === undefined ? 'no os.version, which any build matches' : build === hostBuild ? `the host's build ${hostBuild}` : `build ${build}, which a ${hostBuild} host runs (stable ABI)`;
  return `${runs}; ${rank ?? `the highest os.version of ${matching} matches, compared as text`}`;
}

/** A config's platform, as containerd's ConfigPlatform reads it. */
export function configPlatform(config: ImageConfig): Platform {
  return { os: config.os, architecture: config.architecture, variant: config.variant, osVersion: config.osVersion, osFeatures: config.osFeatures };
}

/**
 * Checks an image's config against `choice`: a single manifest, or an entry without a platform,
 * with the same matcher (what containerd's images.Manifest does for an entry without a
 * platform); every config, an entry chosen for its platform's too (`entryMatched`), against
 * moby's checks of every pull (pull_v2.go: image.CheckOS, and on Windows
 * checkImageCompatibility), so an entry labelled for the host whose config says another OS or
 * a newer build is refused. PLATFORM_NOT_FOUND.
 */
export function checkRunsOn(config: ImageConfig, choice: PlatformChoice, what = 'image', entryMatched = false): void {
  const p = configPlatform(config);
  // moby's image.CheckOS: a config for another OS is refused, however its entry was labelled.
  const sameOS = () => normalizeOS(p.os, choice.host.os) === normalizeOS((choice.asked ?? choice.host).os, choice.host.os);
  if ((entryMatched ? sameOS() : comparerFor(choice).match(p)) && !newerThanHost(p, choice.host)) return;
  throw notFound(`${what} is built for ${formatPlatform(p)} only, not for ${wanted(choice)}`, {
    code: 'PLATFORM_NOT_FOUND',
    hint: 'install a tag or digest built for this platform',
    details: { imagePlatform: formatPlatform(p) },
  });
}
