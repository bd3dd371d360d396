/**
 * Time zone files (TZif, tzfile(5), RFC 8536) as Go's time package reads them
 * (zoneinfo_read.go, LoadLocationFromTZData) and looks instants up in them (zoneinfo.go,
 * lookup), so that the offset and abbreviation are those docker's Go binary prints. Version 1
 * files are read in their 32-bit form; version 2 and 3 files in their 64-bit form, with the
 * POSIX TZ string of the footer for instants after the last transition. Leap seconds and the
 * standard/wall and UT/local indicators are skipped, as Go skips them. Pure.
 */
import { ruleZoneAt, type ZoneAt } from './tz-rule.js';

export type { ZoneAt };

/** A time zone: the offset and abbreviation in effect at an instant (Unix seconds). */
export type Zone = (unixSeconds: number) => ZoneAt;

interface Transition {
  /** Unix seconds. */
  at: number;
  /** Index into the local time types. */
  type: number;
}

/** The zone a TZif file describes, or undefined where Go finds the file malformed (Go then uses UTC). */
export function tzifZone(data: Uint8Array): Zone | undefined {
  const r = new Bytes(data);
  if (latin1(r.take(4)) !== 'TZif') return undefined;
  const version = r.take(16)[0];
  if (r.failed || (version !== 0 && version !== 0x32 && version !== 0x33)) return undefined;
  let counts = readCounts(r);
  if (!counts) return undefined;
  let wide = false;
  if (version !== 0) {
    // The 32-bit data and the second header are skipped for the 64-bit data behind them.
    r.take(counts.times * 5 + counts.types * 6 + counts.chars + counts.leaps * 8 + counts.stdWall + counts.utLocal + 20);
    counts = readCounts(r);
    if (!counts) return undefined;
    wide = true;
  }
  const size = wide ? 8 : 4;
  const times = r.take(counts.times * size);
  const typeOfTransition = r.take(counts.times);
  const typeRecords = r.take(counts.types * 6);
  const abbreviations = r.take(counts.chars);
  r.take(counts.leaps * (size + 4) + counts.stdWall + counts.utLocal);
  if (r.failed || counts.types === 0) return undefined;
  const rest = r.rest();
  // The footer: a POSIX TZ string between newlines.
  const footer = rest.length > 2 && rest[0] === 0x0a && rest[rest.length - 1] === 0x0a ? utf8(rest.subarray(1, -1)) : '';

  const types: ZoneAt[] = [];
  const isDST: boolean[] = [];
  const records = view(typeRecords);
  for (let i = 0; i < counts.types; i++) {
    const nameAt = records.getUint8(i * 6 + 5);
    if (nameAt >= abbreviations.length) return undefined;
    const name = abbreviations.subarray(nameAt);
    const nul = name.indexOf(0);
    types.push({ offset: records.getInt32(i * 6), abbreviation: utf8(nul < 0 ? name : name.subarray(0, nul)) });
    isDST.push(records.getUint8(i * 6 + 4) !== 0);
  }

  const transitions: Transition[] = [];
  const instants = view(times);
  for (let i = 0; i < counts.times; i++) {
    const type = typeOfTransition[i]!;
    if (type >= types.length) return undefined;
    transitions.push({ at: wide ? Number(instants.getBigInt64(i * 8)) : instants.getInt32(i * 4), type });
  }
  // A zone without transitions (Etc/GMT+5) gets one at the beginning of time, as in Go.
  if (transitions.length === 0) transitions.push({ at: -Infinity, type: 0 });

  const beforeFirst = types[firstType(transitions, isDST)]!;
  return (unixSeconds) => {
    if (unixSeconds < transitions[0]!.at) return beforeFirst;
    // The last transition at or before the instant (Go's search, which also settles unsorted files).
    let lo = 0;
    let hi = transitions.length;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (unixSeconds < transitions[mid]!.at) hi = mid;
      else lo = mid;
    }
    const zone = types[transitions[lo]!.type]!;
    if (lo === transitions.length - 1 && footer !== '') return ruleZoneAt(footer, unixSeconds) ?? zone;
    return zone;
  };
}

/**
 * The type in effect before the first transition, as tzcode's localtime.c (and Go) choose it:
 * the first type if no transition uses it; else, if the first transition is to daylight time,
 * the nearest standard type before that one; else the first standard type; else the first.
 */
function firstType(transitions: readonly Transition[], isDST: readonly boolean[]): number {
  if (!transitions.some((t) => t.type === 0)) return 0;
  const first = transitions[0]!.type;
  if (isDST[first]) {
    for (let i = first - 1; i >= 0; i--) if (!isDST[i]) return i;
  }
  const standard = isDST.indexOf(false);
  return standard < 0 ? 0 : standard;
}

interface Counts {
  utLocal: number;
  stdWall: number;
  leaps: number;
  times: number;
  types: number;
  chars: number;
}

/** The header's six counts, in the file's order. */
function readCounts(r: Bytes): Counts | undefined {
  const c = view(r.take(24));
  if (r.failed) return undefined;
  const [utLocal, stdWall, leaps, times, types, chars] = [0, 1, 2, 3, 4, 5].map((i) => c.getUint32(i * 4)) as [number, number, number, number, number, number];
  return { utLocal, stdWall, leaps, times, types, chars };
}

/** A cursor over the file; once a read runs past the end, every later read fails too. */
class Bytes {
  private at = 0;
  failed = false;
  constructor(private readonly data: Uint8Array) {}

  take(n: number): Uint8Array {
    if (this.failed || n > this.data.length - this.at) {
      this.failed = true;
      return new Uint8Array(0);
    }
    this.at += n;
    return this.data.subarray(this.at - n, this.at);
  }

  rest(): Uint8Array {
    return this.data.subarray(this.at);
  }
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const UTF8 = new TextDecoder();
const utf8 = (bytes: Uint8Array) => UTF8.decode(bytes);
