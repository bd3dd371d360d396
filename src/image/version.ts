/**
 * Image versions as the PowerShell container cmdlets show them: Windows-style (1 to 4
 * numeric parts, shown padded to 4: `1.0` is `1.0.0.0`) or semver (`2.1.0-beta.1`). A
 * tag that is neither is not a version. Both kinds compare on one scale: numeric parts
 * first, then a pre-release sorts before the release, as semver says.
 */
import { createRequire } from 'node:module';
import type compareFn from 'semver/functions/compare.js';
import type parseFn from 'semver/functions/parse.js';
import { usage } from '../errors.js';

// The two functions alone (the whole package loads every module it has, about 6 MiB of memory),
// and only once a version is not Windows-style: semver builds some forty regular expressions as
// it loads, milliseconds of every listing that never meets a pre-release.
let semver: { parse: typeof parseFn; compare: typeof compareFn } | undefined;
function loadSemver() {
  const require = createRequire(import.meta.url);
  return (semver ??= { parse: require('semver/functions/parse.js') as typeof parseFn, compare: require('semver/functions/compare.js') as typeof compareFn });
}

export interface Version {
  /** Four numeric parts. */
  parts: [number, number, number, number];
  /** Semver pre-release identifiers, empty for a release. */
  prerelease: string[];
  /** How it is shown: padded Windows form, or the semver string as given. */
  text: string;
}

const WINDOWS_RE = /^\d{1,9}(\.\d{1,9}){0,3}$/;

/** Parses a tag or user input as a version; undefined when it is not one. */
export function tryParseVersion(input: string): Version | undefined {
  const s = input.trim().replace(/^v(?=\d)/i, '');
  if (WINDOWS_RE.test(s)) {
    // Digit by digit, not split and mapped: a listing parses every installed image's version.
    const parts: Version['parts'] = [0, 0, 0, 0];
    let part = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x2e) part++;
      else parts[part] = parts[part]! * 10 + (c - 0x30);
    }
    return { parts, prerelease: [], text: parts.join('.') };
  }
  const sv = loadSemver().parse(s);
  if (!sv) return undefined;
  return {
    parts: [sv.major, sv.minor, sv.patch, 0],
    prerelease: sv.prerelease.map(String),
    text: sv.version,
  };
}

/** Parses user input as a version; a usage error (VERSION_INVALID) when it is not one. */
export function parseVersion(input: string): Version {
  const v = tryParseVersion(input);
  if (!v) {
    throw usage(`invalid version '${input}': expected 1 to 4 numeric parts (10.0.17763.1) or a semantic version (1.2.3-beta)`, {
      code: 'VERSION_INVALID',
    });
  }
  return v;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 4; i++) {
    if (a.parts[i] !== b.parts[i]) return a.parts[i] < b.parts[i] ? -1 : 1;
  }
  const aPre = a.prerelease.length > 0;
  const bPre = b.prerelease.length > 0;
  if (!aPre || !bPre) return Number(bPre) - Number(aPre);
  return loadSemver().compare(`0.0.0-${a.prerelease.join('.')}`, `0.0.0-${b.prerelease.join('.')}`);
}

export function versionsEqual(a: Version, b: Version): boolean {
  return compareVersions(a, b) === 0;
}

export interface VersionFilter {
  required?: Version;
  minimum?: Version;
  maximum?: Version;
}

/**
 * A filter from an exact version or a range, rejecting contradictory combinations with a usage
 * error (VERSION_CONFLICT, VERSION_RANGE_EMPTY).
 */
export function versionFilter(f: VersionFilter): VersionFilter {
  if (f.required && (f.minimum || f.maximum)) {
    throw usage('an exact version cannot be combined with a minimum or maximum version', {
      code: 'VERSION_CONFLICT',
      hint: 'give either an exact version or a range',
    });
  }
  if (f.minimum && f.maximum && compareVersions(f.minimum, f.maximum) > 0) {
    throw usage(`the minimum version ${f.minimum.text} is greater than the maximum version ${f.maximum.text}`, { code: 'VERSION_RANGE_EMPTY' });
  }
  return f;
}

export function matchesFilter(v: Version, f: VersionFilter): boolean {
  if (f.required && !versionsEqual(v, f.required)) return false;
  if (f.minimum && compareVersions(v, f.minimum) < 0) return false;
  if (f.maximum && compareVersions(v, f.maximum) > 0) return false;
  return true;
}

/**
 * A version range as a provisioning file writes it: an exact version (`10.0.17763.1`, or
 * `=10.0.17763.1`), a bound (`>=10.0.17763`, `<=2.0`), or both bounds (`>=1.0 <=2.0`, or with a
 * comma); bounds are inclusive, as -MinimumVersion and -MaximumVersion are. Undefined when the
 * text is none of those; a usage error when the bounds contradict each other (versionFilter).
 */
export function parseVersionRange(text: string): VersionFilter | undefined {
  const clauses = text.trim().replace(/(>=|<=|=)\s+/g, '$1').split(/[\s,]+/);
  if (clauses.length > 2) return undefined;
  const f: VersionFilter = {};
  for (const clause of clauses) {
    const [, op = '', rest] = /^(>=|<=|=)?(.*)$/.exec(clause)!;
    const v = tryParseVersion(rest!);
    if (!v) return undefined;
    const key = op === '>=' ? 'minimum' : op === '<=' ? 'maximum' : 'required';
    if (f[key] || (key === 'required' && clauses.length > 1)) return undefined;
    f[key] = v;
  }
  return versionFilter(f);
}

/** A filter as a range's text: `10.0.17763.1`, `>=10.0.17763.0`, `>=1.0.0.0 <=2.0.0.0`; '' for none. */
export function formatVersionRange(f: VersionFilter): string {
  if (f.required) return f.required.text;
  return [f.minimum && `>=${f.minimum.text}`, f.maximum && `<=${f.maximum.text}`].filter(Boolean).join(' ');
}
