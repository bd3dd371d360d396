/**
 * The number fields of a tar header and of PAX records, read as Go's archive/tar reads them
 * (strconv.go there): octal padded with spaces or NULs, GNU base-256 in two's complement, PAX
 * decimals and PAX times with up to nanosecond precision. JavaScript numbers hold integers
 * exactly up to 2^53; anything beyond is refused rather than rounded.
 */
import type { Timestamp } from './header.js';

/** Collects the first malformed field while a header is parsed, as Go's parser does. */
export class Fields {
  bad: string | undefined;

  /** An octal field, or base-256 when its first bit is set. */
  numeric(b: Buffer, field: string): number {
    const n = b.length > 0 && b[0]! & 0x80 ? base256(b) : octal(b);
    if (n === undefined) {
      this.bad ??= field;
      return 0;
    }
    return n;
  }

  octal(b: Buffer, field: string): number {
    const n = octal(b);
    if (n === undefined) {
      this.bad ??= field;
      return 0;
    }
    return n;
  }
}

const SPACE = 0x20;

/** Octal digits with leading and trailing spaces and NULs trimmed, cut at an inner NUL; empty is 0. */
function octal(b: Buffer): number | undefined {
  let start = 0;
  let end = b.length;
  while (start < end && (b[start] === SPACE || b[start] === 0)) start++;
  while (end > start && (b[end - 1] === SPACE || b[end - 1] === 0)) end--;
  if (start === end) return 0;
  const nul = b.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 7) return undefined;
    n = n * 8 + d;
  }
  // An empty string after the cut is no number (Go's ParseUint("") fails).
  return end > start && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Base-256: the bits after the first one are a big-endian two's complement number (the second
 * bit is the sign). Like Go, more than 63 significant bits is an error; so is more than 53 here.
 */
function base256(b: Buffer): number | undefined {
  const inv = b[0]! & 0x40 ? 0xff : 0;
  let x = 0n;
  for (let i = 0; i < b.length; i++) {
    let c = b[i]! ^ inv;
    if (i === 0) c &= 0x7f;
    if (x >> 56n > 0n) return undefined;
    x = (x << 8n) | BigInt(c);
  }
  if (x >> 63n > 0n) return undefined;
  // For a negative number the inverted bits are -x-1 (two's complement).
  const n = Number(inv ? -x - 1n : x);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Go's strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing else. */
export function parseDecimal(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n + 0 : undefined;
}

/**
 * A PAX time, `[-]seconds[.fraction]`: the fraction is cut to nanoseconds (not rounded, as Go
 * does) and counts away from zero with the seconds, so `-1.5` is 1.5 seconds before the epoch.
 */
export function parsePaxTime(s: string): Timestamp | undefined {
  const dot = s.indexOf('.');
  const secs = parseDecimal(dot < 0 ? s : s.slice(0, dot));
  if (secs === undefined) return undefined;
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  if (!/^[0-9]*$/.test(frac)) return undefined;
  let nsec = frac === '' ? 0 : Number(frac.slice(0, 9).padEnd(9, '0'));
  let sec = secs;
  if (s.startsWith('-') && nsec > 0) {
    sec -= 1;
    nsec = 1e9 - nsec;
  }
  return Number.isSafeInteger(sec) ? { sec, nsec } : undefined;
}
