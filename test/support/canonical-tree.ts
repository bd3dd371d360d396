/**
 * A merged root filesystem as a canonical listing, the same for containerd's unpacked snapshot
 * (test/fixtures/containerd-cases/regen) and ctrimg's container directory
 * (test/unit/importers/containerd-cases.test.ts), so the two can be compared as JSON.
 *
 * Names are read as bytes: a path or symlink target that is not valid UTF-8 is written with
 * each byte outside printable ASCII as `\xNN` (and a backslash as `\\`), so two names that
 * differ only in invalid bytes stay apart. The root itself is left out: its mode is the
 * snapshotter's or the store's (0700 by DESIGN rule 6), not the image's.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { majorMinor, typeOf, type EntryType } from './tree-diff.js';

export interface CanonicalEntry {
  path: string;
  type: EntryType;
  /** Permission bits with setuid, setgid and sticky. */
  mode: string;
  uid: number;
  gid: number;
  target?: string;
  sha256?: string;
  /** `major:minor` of a device node. */
  rdev?: string;
  /** The first path (in listing order) of the same inode, for a file with more than one link. */
  hardlinkOf?: string;
  /**
   * `seconds.nanoseconds` since the epoch as the tar gave it, or 'apply-time' for an entry whose
   * time the unpacker set (an implicit parent directory, a directory written into after its
   * header without its time restored): any time within the unpack's window.
   */
  mtime: string;
}

/** Bytes as a path string: UTF-8 when they are valid UTF-8 and printable, else escaped. */
export function encodeName(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes) && !/[\\\u0000-\u001f\u007f]/.test(text)) return text;
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** When an unpack ran, nanoseconds since the epoch: no case tar carries a time inside it. */
export interface ApplyWindow {
  from: bigint;
  to: bigint;
}

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** A time (nanoseconds since the epoch) as an entry's `mtime` gives it: `seconds.nanoseconds`. */
export const canonicalTime = (ns: bigint): string => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;

/** Every entry under `root` (not `root` itself), in depth-first order of byte-sorted names. */
export async function canonicalTree(root: string, window: ApplyWindow): Promise<CanonicalEntry[]> {
  const out: CanonicalEntry[] = [];
  const inodes = new Map<bigint, string>();
  const walk = async (dirBytes: Buffer, rel: string): Promise<void> => {
    const names = (await readdir(dirBytes, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      const full = Buffer.concat([dirBytes, Buffer.from('/'), name]);
      const path = rel === '' ? encodeName(name) : `${rel}/${encodeName(name)}`;
      const s = await lstat(full, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
        // An overlay whiteout (a 0:0 device) in an upper directory that replaced a lower non-directory is listed by readdir but cannot be looked up.
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!s) continue;
      const type = typeOf(s);
      const mtimeNs = s.mtimeNs;
      const entry: CanonicalEntry = {
        path,
        type,
        mode: (Number(s.mode) & 0o7777).toString(8).padStart(4, '0'),
        uid: Number(s.uid),
        gid: Number(s.gid),
        mtime: mtimeNs >= window.from && mtimeNs <= window.to ? 'apply-time' : canonicalTime(mtimeNs),
      };
      if (type === 'symlink') entry.target = encodeName(await readlink(full, { encoding: 'buffer' }));
      if (type === 'file') {
        entry.sha256 = createHash('sha256').update(await readFile(full)).digest('hex');
        if (s.nlink > 1n) {
          const first = inodes.get(s.ino);
          if (first === undefined) inodes.set(s.ino, path);
          else entry.hardlinkOf = first;
        }
      }
      if (type === 'char' || type === 'block') {
        const { major, minor } = majorMinor(s.rdev);
        entry.rdev = `${major}:${minor}`;
      }
      out.push(entry);
      if (type === 'dir') await walk(full, path);
    }
  };
  await walk(Buffer.from(root), '');
  return out;
}

/** One line per difference, by path: `missing`, `extra`, or the fields that differ (got, then `label`'s). */
export function treeDiff(got: CanonicalEntry[], expected: CanonicalEntry[], label = 'containerd'): string[] {
  const byPath = (list: CanonicalEntry[]) => new Map(list.map((e) => [e.path, e]));
  const g = byPath(got);
  const x = byPath(expected);
  const lines: string[] = [];
  for (const [path, want] of x) {
    const have = g.get(path);
    if (!have) {
      lines.push(`missing ${path} (${want.type})`);
      continue;
    }
    const keys = new Set([...Object.keys(have), ...Object.keys(want)] as Array<keyof CanonicalEntry>);
    const fields = [...keys].filter((k) => have[k] !== want[k]).map((k) => `${k} ${String(have[k])}, ${label} ${String(want[k])}`);
    if (fields.length > 0) lines.push(`${path}: ${fields.join('; ')}`);
  }
  for (const [path, have] of g) if (!x.has(path)) lines.push(`extra ${path} (${have.type})`);
  return lines;
}
