/**
 * Ownership, mode bits and times of unpacked or copied files, applied in containerd's order
 * (createTarFile): owner first, since chown clears setuid/setgid bits and security.capability,
 * then extended attributes (xattrs.ts, applied per layer), mode, and times last. Directories'
 * times are set after their children are written.
 */
import { fchmodSync, fchownSync, type BigIntStats, type PathLike } from 'node:fs';
import { chmod, lchown } from 'node:fs/promises';
import { setTimes, setTimesSync, timestampOfNs, type Timestamp } from './times.js';

export interface Meta {
  mode?: number;
  uid?: number;
  gid?: number;
  /** To the nanosecond, as a tar header or a bigint stat gives it. */
  mtime?: Timestamp;
  /** The access time; the modification time when absent or earlier (containerd's latestTime). */
  atime?: Timestamp;
}

/** The access time to set with `mtime`: the later of the two, as containerd sets it. */
function accessTime(meta: Meta, mtime: Timestamp): Timestamp {
  const atime = meta.atime;
  return atime && (atime.sec > mtime.sec || (atime.sec === mtime.sec && atime.nsec > mtime.nsec)) ? atime : mtime;
}

const uid = process.getuid?.();
const gid = process.getgid?.();
const isRoot = uid === 0;
/** Read once: process.umask() with no argument briefly clears and resets the mask. */
const UMASK = process.umask();

/**
 * Applies `meta` to `path` without following a final symlink (whose mode Linux cannot set).
 * Ownership only when running as root; chown comes first because it clears setuid bits.
 */
export async function setMeta(path: PathLike, meta: Meta, isSymlink: boolean): Promise<void> {
  if (isRoot) await lchown(path, meta.uid ?? 0, meta.gid ?? 0);
  if (!isSymlink && meta.mode !== undefined) await chmod(path, meta.mode & 0o7777);
  await setMetaTimes(path, meta);
}

/** Sets `meta`'s times (if it has them) on `path`, a final symlink not followed. */
export async function setMetaTimes(path: PathLike, meta: Meta): Promise<void> {
  if (!meta.mtime) return;
  const mtime = meta.mtime;
  await setTimes(path, mtime, accessTime(meta, mtime), true);
}

/**
 * The same for a regular file just created by this process with `open(path, 'wx', mode)`,
 * through its descriptor, skipping what creation already got right: its owner is this
 * process's and its mode is `mode` less the umask. A layer holds many small files, so the calls
 * saved (and no path lookups) are a good share of the time an import takes.
 */
export function createdFileFixes(meta: Meta): { owner?: [number, number]; mode?: number; mtime?: Timestamp; atime?: Timestamp } {
  const owner = meta.uid ?? 0;
  const group = meta.gid ?? 0;
  const chowned = isRoot && (owner !== uid || group !== gid);
  const mode = (meta.mode ?? 0o644) & 0o7777;
  // chown clears setuid and setgid bits, and the umask may have taken some: set them again.
  const chmod = chowned || (mode & UMASK) !== 0 || (mode & 0o7000) !== 0;
  const mtime = meta.mtime;
  return {
    owner: chowned ? [owner, group] : undefined,
    mode: chmod ? mode : undefined,
    mtime,
    atime: mtime && meta.atime ? accessTime(meta, mtime) : undefined,
  };
}

/** createdFileFixes applied synchronously, for a file written with synchronous calls. */
export function setCreatedFileMeta(fd: number, meta: Meta): void {
  const fix = createdFileFixes(meta);
  if (fix.owner) fchownSync(fd, ...fix.owner);
  if (fix.mode !== undefined) fchmodSync(fd, fix.mode);
  if (fix.mtime) setTimesSync(fd, fix.mtime, fix.atime);
}

/** The mode a new regular file is opened with, before the umask. */
export function creationMode(meta: Meta): number {
  return (meta.mode ?? 0o644) & 0o777;
}

/** The owner, mode and times of a stat, to the nanosecond. */
export function metaOfStats(st: BigIntStats): Meta {
  return {
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: timestampOfNs(st.mtimeNs),
    atime: timestampOfNs(st.atimeNs),
  };
}
