/**
 * Platforms (`os/arch[/variant][:osversion][+feature...]`) and choosing an index entry for
 * one. Windows entries are told apart by os.version: a host runs images of its own build (any
 * revision), older builds only under Hyper-V isolation, newer builds never. An entry's
 * os.features (e.g. `win32k`) must all be features of the host: `-Platform` names them after
 * a `+`, as in `windows/amd64:10.0.17763.1+win32k`; the host itself is taken to have none,
 * since Windows offers no cheap way to ask.
 */
import { arch as osArch, endianness, release } from 'node:os';
import { notFound, usage } from '../errors.js';
import type { Descriptor } from './manifest.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

const NAME_RE = /^[a-z0-9_]+$/;
const VERSION_RE = /^\d+(\.\d+){0,3}$/;
const FEATURE_RE = /^[a-z0-9_.-]+$/;

export function parsePlatform(input: string): Platform {
  const bad = (why: string) =>
    usage(`invalid platform '${input}': ${why}; expected os/arch[/variant][:osversion][+feature...], e.g. windows/amd64:10.0.20348`);
  const [s, ...features] = input.trim().toLowerCase().split('+') as [string, ...string[]];
  if (!features.every((f) => FEATURE_RE.test(f))) throw bad('os features may only contain a-z, 0-9, _, . and -');
  const colon = s.indexOf(':');
  const path = colon < 0 ? s : s.slice(0, colon);
  const osVersion = colon < 0 ? undefined : s.slice(colon + 1);
  const parts = path.split('/');
  if (parts.length < 2 || parts.length > 3) throw bad('it needs two or three parts separated by /');
  if (!parts.every((p) => NAME_RE.test(p))) throw bad('parts may only contain a-z, 0-9 and _');
  if (osVersion !== undefined && !VERSION_RE.test(osVersion)) throw bad(`'${osVersion}' is not a numeric os version`);
  const [os, architecture, variant] = parts as [string, string, string | undefined];
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

/** What hostPlatform reads from the OS; the defaults are this process's. */
export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** os.release(): `10.0.<build>` on Windows. */
  release: string;
}

/**
 * The platform this process runs on, in OCI names. On Windows the os version is
 * `10.0.<build>.0`: the update revision (UBR) lives only in the registry, and the revision
 * never changes which entry is chosen (the highest revision of the host's build wins).
 */
export function hostPlatform(facts: HostFacts = { platform: process.platform, arch: osArch(), release: release() }): Platform {
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
    case 'arm': {
      const v = (process.config.variables as Record<string, unknown>).arm_version;
      if (v !== undefined) p.variant = `v${String(v)}`;
      break;
    }
    case 'ppc64':
      if (endianness() === 'LE') p.architecture = 'ppc64le';
      break;
  }
  const build = versionParts(facts.release).slice(0, 3);
  if (os === 'windows' && build.length === 3) p.osVersion = [...build, 0].join('.');
  return p;
}

/** arm64 without a variant means v8, as containerd normalises it. */
function normVariant(architecture: string, variant: string | undefined): string | undefined {
  return variant ?? (architecture === 'arm64' ? 'v8' : undefined);
}

function versionParts(v: string | undefined): number[] {
  if (!v || !VERSION_RE.test(v)) return [];
  return v.split('.').map(Number);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function describe(d: Descriptor): string {
  const p = d.platform;
  if (!p) return 'unknown';
  return formatPlatform({ os: p.os, architecture: p.architecture, variant: p.variant, osVersion: p['os.version'], osFeatures: p['os.features'] });
}

/**
 * Chooses the index entry for `want`. os and architecture must match, the variant when both
 * name one, and an entry's os.features must all be in want's. Among matches an exact variant
 * wins; on Windows with a wanted osVersion an entry of the same major.minor.build wins
 * (highest revision), newer builds are dropped, and otherwise the highest os.version left is
 * taken.
 */
export function selectManifest(manifests: Descriptor[], want: Platform, what = 'image'): Descriptor {
  const wantVariant = normVariant(want.architecture, want.variant);
  const hostFeatures = new Set(want.osFeatures);
  let found = manifests.filter((d) => {
    const p = d.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
    if (!(p['os.features'] ?? []).every((f) => hostFeatures.has(f))) return false;
    const v = normVariant(p.architecture, p.variant);
    return v === undefined || wantVariant === undefined || v === wantVariant;
  });
  if (wantVariant !== undefined && found.some((d) => normVariant(d.platform!.architecture, d.platform!.variant) === wantVariant)) {
    found = found.filter((d) => normVariant(d.platform!.architecture, d.platform!.variant) === wantVariant);
  }
  const ver = (d: Descriptor) => versionParts(d.platform!['os.version']);
  const wanted = versionParts(want.osVersion);
  if (want.os === 'windows' && wanted.length >= 3) {
    const build = wanted.slice(0, 3);
    const sameBuild = found.filter((d) => compareVersions(ver(d).slice(0, 3), build) === 0);
    found = sameBuild.length > 0 ? sameBuild : found.filter((d) => compareVersions(ver(d).slice(0, 3), build) < 0);
  }
  // Stable: among equal versions the index order decides.
  const best = found.reduce<Descriptor | undefined>((a, d) => (a === undefined || compareVersions(ver(d), ver(a)) > 0 ? d : a), undefined);
  if (best) return best;
  const offers = manifests.map(describe);
  throw notFound(
    `no ${formatPlatform(want)} variant of ${what}; it offers ${offers.length > 0 ? offers.join(', ') : 'no platforms'}`,
    { code: 'PLATFORM_NOT_FOUND', hint: 'ask for one of those platforms' },
  );
}
