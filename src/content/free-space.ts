/**
 * The free space kept on the store's filesystem: no download or unpack may take it, so that no
 * image, not even a small gzip blob that expands to gigabytes of zeros, fills a host's disk.
 * `$CTRIMG_FREE_SPACE_RESERVE` sets it (`0` for none); by default it is 1 GiB or 5% of the
 * filesystem, whichever is smaller.
 *
 * The check is statfs as bytes pass, not per file: after each check the next one comes once half
 * of what is left above the reserve has passed (at most 8 MiB, at least 64 KiB later), so the
 * checks get closer together only near the line, and the bytes between two stay well under
 * what was left.
 */
import { statfs } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { failed, usage } from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const MAX_STEP = 8 * MiB;
const MIN_STEP = 64 * KiB;

export const RESERVE_VARIABLE = 'CTRIMG_FREE_SPACE_RESERVE';

const UNIT: Record<string, number> = { '': 1, K: KiB, M: MiB, G: GiB, T: 1024 * GiB };

/** The reserve in bytes for the filesystem holding `dir`, as `setting` (the variable's value) asks. */
export async function freeSpaceReserve(dir: string, setting: string | undefined): Promise<number> {
  const s = await statfs(dir);
  const total = s.blocks * s.bsize;
  if (setting === undefined || setting.trim() === '') return Math.min(GiB, Math.floor(total * 0.05));
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([KMGT])i?B?|(%))?\s*$/i.exec(setting);
  if (!m) throw usage(`${RESERVE_VARIABLE} '${setting}' is not a size`, { hint: 'give bytes, a size such as 512M or 2G, a percentage of the filesystem such as 5%, or 0 for none' });
  const n = Number(m[1]);
  return Math.floor(m[3] ? (total * n) / 100 : n * UNIT[(m[2] ?? '').toUpperCase()]!);
}

const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

/**
 * Passes bytes through unchanged, failing with NO_SPACE before the bytes written from them
 * could take free space in `dir` under `reserve`. `what` is what could not be written.
 */
export function keepFree(dir: string, reserve: number, what: string): Transform {
  let passed = 0;
  let nextCheck = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      passed += chunk.length;
      if (reserve === 0 || passed < nextCheck) return cb(null, chunk);
      statfs(dir).then((s) => {
        const above = s.bavail * s.bsize - reserve;
        if (above < MIN_STEP) {
          const full = failed(`${what}: the disk is full (${mib(s.bavail * s.bsize)} free in ${dir}, and ${mib(reserve)} is kept free)`, {
            code: 'NO_SPACE',
            hint: `free some space there and try again, or lower ${RESERVE_VARIABLE}`,
          });
          return cb(full);
        }
        nextCheck = passed + Math.min(MAX_STEP, Math.max(MIN_STEP, Math.floor(above / 2)));
        cb(null, chunk);
      }, cb);
    },
  });
}
