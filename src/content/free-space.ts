/**
 * The free space kept on the store's filesystem: no download, unpack or copy may take it, so
 * that no image, not even a small gzip blob that expands to gigabytes of zeros or a small layer
 * of hard links to large files of its parent (each file linked is a copy), fills a host's disk.
 * `$CTRIMG_FREE_SPACE_RESERVE` sets it (`0` for none); by default it is 1 GiB or 5% of the
 * filesystem, whichever is smaller. Free inodes are kept too (64 Ki or 5%, whichever is
 * fewer), unless the reserve is 0.
 *
 * The check is statfs as bytes pass, not per file: after each check the next one comes once half
 * of what is left above the reserve has passed (at most 8 MiB, at least 64 KiB later), so the
 * checks get closer together only near the line, and the bytes between two stay well under
 * what was left.
 */
import { statfs as statfsCallback } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { failed, usage } from '../errors.js';
import type { TakeRoom } from '../layers/room.js';
import { parseByteSize } from './byte-size.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const MAX_STEP = 8 * MiB;
const MIN_STEP = 64 * KiB;
/** The smallest a tar entry can be: its header. */
const TAR_BLOCK = 512;
/** The inodes 1 GiB holds on ext4 by default (one per 16 KiB), as the bytes kept free are at most 1 GiB. */
const MAX_INODE_RESERVE = 65_536;

export const RESERVE_VARIABLE = 'CTRIMG_FREE_SPACE_RESERVE';

// Not node:fs/promises: every command reads the reserve's setting (parseReserve), and loading that
// module (and the readline it loads) cost each about 4 ms.
const statfs = promisify(statfsCallback);

/** The reserve in bytes for the filesystem holding `dir`, as `setting` (the variable's value) asks. */
export async function freeSpaceReserve(dir: string, setting: string | undefined): Promise<number> {
  const reserve = parseReserve(setting);
  if (typeof reserve === 'number') return reserve;
  const s = await statfs(dir);
  const total = s.blocks * s.bsize;
  return reserve === undefined ? Math.min(GiB, Math.floor(total * 0.05)) : Math.floor((total * reserve.percent) / 100);
}

/**
 * The setting read: bytes, a percentage of the filesystem, or undefined (unset: the default);
 * a usage error when it is none of these. Every command checks it, the ones that write nothing
 * too, so a script learns of a bad setting from its first command.
 */
export function parseReserve(setting: string | undefined): number | { percent: number } | undefined {
  if (setting === undefined || setting.trim() === '') return undefined;
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(setting);
  if (percent) return { percent: Number(percent[1]) };
  const bytes = parseByteSize(setting);
  if (bytes === undefined) throw usage(`${RESERVE_VARIABLE} '${setting}' is not a size`, { hint: 'give bytes, a size such as 512M or 2G, a percentage of the filesystem such as 5%, or 0 for none' });
  return bytes;
}

const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

/**
 * The room above `reserve` in `dir`'s filesystem, for one writer at a time: bytes are let
 * through between two statfs checks up to half of what the last check found above the reserve
 * (see the top of this file), and a take larger than that is checked on its own, so neither a
 * stream nor a single large copy writes into the reserve. `what` is what could not be written.
 */
export function roomAbove(dir: string, reserve: number, what: string): TakeRoom {
  let unchecked = 0;
  // Between checks nothing is awaited: a stream's chunks pass on at once.
  return (bytes, detail) => {
    if (reserve === 0) return;
    if (bytes <= unchecked) {
      unchecked -= bytes;
      return;
    }
    return check(bytes, detail);
  };
  async function check(bytes: number, detail?: string): Promise<void> {
    const s = await statfs(dir);
    const free = s.bavail * s.bsize;
    const above = free - reserve - bytes;
    if (above < MIN_STEP) {
      throw failed(`${what}${detail ? ` (${detail}, ${mib(bytes)})` : ''}: the disk is full (${mib(free)} free in ${dir}, and ${mib(reserve)} is kept free)`, {
        code: 'NO_SPACE',
        hint: `free some space there and try again, or lower ${RESERVE_VARIABLE}`,
      });
    }
    unchecked = Math.min(MAX_STEP, Math.max(MIN_STEP, Math.floor(above / 2)));
    // A filesystem that counts its inodes (statfs `files`; btrfs reports 0) keeps some free too. What passes between checks makes at most one inode per tar header.
    if (s.files === 0) return;
    const inodeReserve = Math.min(MAX_INODE_RESERVE, Math.floor(s.files * 0.05));
    const spare = s.ffree - inodeReserve;
    if (spare * TAR_BLOCK < MIN_STEP) {
      throw failed(`${what}: the disk is out of inodes (${s.ffree} free in ${dir}, and ${inodeReserve} are kept free)`, {
        code: 'NO_SPACE',
        hint: `remove some files there and try again, or set ${RESERVE_VARIABLE}=0 to keep nothing free`,
      });
    }
    unchecked = Math.min(unchecked, Math.floor(spare / 2) * TAR_BLOCK);
  }
}

/** Passes bytes through unchanged, taking each chunk's room (roomAbove) before passing it on. */
export function keepFree(dir: string, reserve: number, what: string): Transform {
  const take = roomAbove(dir, reserve, what);
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      const checking = take(chunk.length);
      if (!checking) return cb(null, chunk);
      checking.then(() => cb(null, chunk), cb);
    },
  });
}
