/**
 * Times as docker's CLI prints them: go-units HumanDuration (duration.go, v0.4.0) with docker's
 * " ago", and Go's time formats in the local zone. The instant "now" and the zone (read from the
 * tz database as Go reads it: local-zone.ts) come from the caller; nothing here reads the clock
 * or a file. Pure.
 *
 * Durations are Go's time.Duration: int64 nanoseconds, saturated at its bounds as Go's
 * Time.Sub saturates, and converted to float the way Duration.Seconds/Minutes/Hours do, so
 * every boundary falls where Go puts it.
 */

import type { Zone } from './tzif.js';

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MINUTE = 60n * NS_PER_SECOND;
const NS_PER_HOUR = 60n * NS_PER_MINUTE;
const MAX_DURATION = (1n << 63n) - 1n;
const MIN_DURATION = -(1n << 63n);

/** Duration.Seconds/Minutes/Hours: whole units plus the remainder as a fraction, in float64. */
function inUnits(ns: bigint, unit: bigint): number {
  return Number(ns / unit) + Number(ns % unit) / Number(unit);
}

/** go-units HumanDuration of `ns` nanoseconds. */
export function humanDuration(ns: bigint): string {
  const seconds = Math.trunc(inUnits(ns, NS_PER_SECOND));
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(inUnits(ns, NS_PER_MINUTE));
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // Hours are rounded (+0.5) from here on, except for years, which go-units truncates.
  const hours = Math.trunc(inUnits(ns, NS_PER_HOUR) + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(inUnits(ns, NS_PER_HOUR)) / 24 / 365)} years`;
}

/**
 * Docker's CREATED: HumanDuration(now - created) + " ago", `created` in whole seconds since the
 * epoch (docker's API carries no more), `nowMs` in milliseconds.
 */
export function createdAgo(nowMs: number, createdSeconds: number): string {
  let ns = BigInt(Math.trunc(nowMs)) * 1_000_000n - BigInt(createdSeconds) * NS_PER_SECOND;
  if (ns > MAX_DURATION) ns = MAX_DURATION;
  if (ns < MIN_DURATION) ns = MIN_DURATION;
  return `${humanDuration(ns)} ago`;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: docker's time for "no created". */
export const GO_ZERO_TIME = -62_135_596_800;

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** East of UTC, in seconds. */
  offset: number;
  /** The zone's abbreviation, as Go's "MST" prints it. */
  abbreviation: string;
}

/** The civil time at an instant in `zone`; without one, in the JavaScript runtime's zone (see `abbreviationOf`). */
function localTime(unixSeconds: number, zone: Zone | undefined): Civil {
  const at = new Date(unixSeconds * 1000);
  const { offset, abbreviation } = zone ? zone(unixSeconds) : { offset: -at.getTimezoneOffset() * 60, abbreviation: undefined };
  const shifted = new Date((unixSeconds + offset) * 1000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    offset,
    abbreviation: abbreviation ?? abbreviationOf(at, offset),
  };
}

/**
 * A guess at the abbreviation Go prints, for callers that give no zone. Go reads the tz
 * database's abbreviations; JavaScript only has CLDR's short names, which match them for UTC,
 * the US zones (EST, PDT, ...) and the European ones (GMT, BST, CET, CEST, ...). Elsewhere the
 * tz database mostly has numeric abbreviations (`+04`, `-03`), which is what is printed when
 * CLDR has no letters, though some zones have letters CLDR lacks (IST for Asia/Kolkata).
 */
function abbreviationOf(at: Date, offset: number): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
  if (offset === 0 && (zone === undefined || zone === 'Etc/Unknown' || zone === 'UTC' || zone === 'Etc/UTC')) return 'UTC';
  for (const format of shortNames(zone ?? '')) {
    const name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
    if (name && /^[A-Z]{2,5}$/.test(name)) return name;
  }
  const minutes = Math.abs(offset) / 60;
  const mm = minutes % 60;
  return `${offset < 0 ? '-' : '+'}${pad(Math.trunc(minutes / 60), 2)}${mm ? pad(mm, 2) : ''}`;
}

/** The US and British short names of a zone, formatters kept per zone (TZ may change while running). */
const SHORT_NAMES = new Map<string, Intl.DateTimeFormat[]>();
function shortNames(zone: string): Intl.DateTimeFormat[] {
  let formats = SHORT_NAMES.get(zone);
  if (!formats) {
    formats = ['en-US', 'en-GB'].map((locale) => new Intl.DateTimeFormat(locale, { timeZoneName: 'short' }));
    SHORT_NAMES.set(zone, formats);
  }
  return formats;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Go's 4-digit year ("2006"): zero-padded, with a sign when negative. */
const year4 = (y: number) => (y < 0 ? `-${pad(-y, 4)}` : pad(y, 4));

/** Go's `-0700`: whole minutes, truncated, so the sign is that of the minutes (-30 s is +0000). */
function offsetText(offset: number, colon: boolean): string {
  const minutes = Math.trunc(offset / 60);
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.trunc(abs / 60), 2)}${colon ? ':' : ''}${pad(abs % 60, 2)}`;
}

/**
 * Go's time.Unix(s, 0).String() in `zone` (default: the runtime's): `2006-01-02 15:04:05 -0700
 * MST`, where a zone without an abbreviation (a TZ string's `<>`) prints its offset as `-0700`.
 */
export function goTimeString(unixSeconds: number, zone?: Zone): string {
  const t = localTime(unixSeconds, zone);
  return `${year4(t.year)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)} ${offsetText(t.offset, false)} ${t.abbreviation || offsetText(t.offset, false)}`;
}

/** Go's time.Unix(s, 0).Format(time.RFC3339) in `zone` (default: the runtime's): `2006-01-02T15:04:05Z07:00`. */
export function goRfc3339(unixSeconds: number, zone?: Zone): string {
  const t = localTime(unixSeconds, zone);
  const offset = t.offset === 0 ? 'Z' : offsetText(t.offset, true);
  return `${year4(t.year)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${offset}`;
}
