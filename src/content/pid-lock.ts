/**
 * Lock files that name their holder: `path` holds the pid of the process that has it. A lock
 * whose process is gone was left by a crash and is taken over, so a kill -9 never wedges the
 * store; a live holder is waited for. The pid is written to a temp file (`.tmp-<pid>-*`
 * beside it) that is then hard-linked to `path`, which fails if the lock exists: a lock is
 * never seen empty, whenever its maker is killed.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export type Release = () => Promise<void>;

export async function acquirePidLock(path: string, signal?: AbortSignal): Promise<Release> {
  const temp = join(dirname(path), `.tmp-${process.pid}-${randomBytes(4).toString('hex')}-${basename(path)}`);
  await writeFile(temp, String(process.pid));
  try {
    for (;;) {
      try {
        await link(temp, path);
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number(await readFile(path, 'utf8').catch(() => 'gone'));
      if (Number.isNaN(holder)) continue; // released meanwhile
      if (holder > 0 && isAlive(holder)) await delay(50, undefined, { signal });
      else await rm(path, { force: true });
    }
  } finally {
    await rm(temp, { force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
