/**
 * File times from a layer (seconds and nanoseconds, before 1970 or beyond 2038) set through
 * Node's utimes family. Two things in Node decide how:
 * - a number below zero is taken as "now" (toUnixTimestamp), so times go as numeric strings,
 *   which Node converts without that check (a form its documentation names);
 * - libuv turns the double into a timespec truncated to the microsecond, toward zero.
 * So a time is set to its microsecond, exact for |sec| < 2^32 (until 2106), its second exact
 * far beyond: half a microsecond is added away from zero, so the double's rounding cannot take
 * the truncation below the microsecond meant (or, before 1970, into the second before). The
 * nanoseconds below the microsecond are lost; no maintained Node module sets them (the `utimes`
 * addon takes milliseconds), and a `touch` process per file would cost more than the import.
 */
import { futimesSync, type PathLike } from 'node:fs';
import { lutimes, utimes, type FileHandle } from 'node:fs/promises';
import type { Timestamp } from './tar/header.js';

export type { Timestamp };

/** The time as Node's utimes takes it: `sec.micros5` as a string, rounded for libuv's truncation. */
function utimeArg(t: Timestamp): string {
  // The microsecond meant, in tenths of microseconds, with the half added away from zero.
  const micros = BigInt(t.sec) * 1_000_000n + BigInt(Math.floor(t.nsec / 1000));
  const tenths = micros * 10n + (micros < 0n ? -5n : 5n);
  const digits = (tenths < 0n ? -tenths : tenths).toString().padStart(8, '0');
  return `${tenths < 0n ? '-' : ''}${digits.slice(0, -7)}.${digits.slice(-7)}`;
}

/** A file's time from a bigint stat, to the nanosecond. */
export function timestampOfNs(ns: bigint): Timestamp {
  const sec = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  return { sec: Number(sec), nsec: Number(ns - sec * 1_000_000_000n) };
}

/**
 * Sets the modification time (and the access time: `atime`, else the same) of a path, without
 * following a final symlink when `symlink` is set, or of an open file.
 */
export async function setTimes(target: PathLike | FileHandle, mtime: Timestamp, atime?: Timestamp, symlink = false): Promise<void> {
  const m = utimeArg(mtime);
  const a = atime ? utimeArg(atime) : m;
  if (isHandle(target)) return target.utimes(a, m);
  return symlink ? lutimes(target, a, m) : utimes(target, a, m);
}

/** setTimes for a descriptor, synchronously. */
export function setTimesSync(fd: number, mtime: Timestamp, atime?: Timestamp): void {
  const m = utimeArg(mtime);
  futimesSync(fd, atime ? utimeArg(atime) : m, m);
}

const isHandle = (t: PathLike | FileHandle): t is FileHandle => typeof (t as FileHandle).utimes === 'function';
