/**
 * A small tmpfs mounted on a fresh directory, for full-disk tests (the suite runs as root).
 * `unmount` is safe to call when mounting failed half way.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rmdir, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  path: string;
  /** Bytes free on it now. */
  freeBytes(): Promise<number>;
  /** Inodes free on it now. */
  freeInodes(): Promise<number>;
  unmount(): Promise<void>;
}

/** `inodes`: how many files it can hold (tmpfs `nr_inodes`); by default half the RAM's pages. */
export async function mountTmpfs(size: string, prefix = 'ctrimg-tmpfs-', inodes?: number): Promise<Tmpfs> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  let mounted = false;
  const unmount = async () => {
    if (mounted) await run('umount', [path]);
    mounted = false;
    await rmdir(path).catch(() => {});
  };
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}${inodes ? `,nr_inodes=${inodes}` : ''}`, 'tmpfs', path]);
    mounted = true;
  } catch (err) {
    await unmount();
    throw err;
  }
  return {
    path,
    freeBytes: async () => {
      const s = await statfs(path);
      return s.bavail * s.bsize;
    },
    freeInodes: async () => (await statfs(path)).ffree,
    unmount,
  };
}
