/**
 * Lock files that name their holder: `path` is created with O_EXCL and holds the pid. A lock
 * whose process is gone was left by a crash and is taken over, so a kill -9 never wedges the
 * store; a live holder is waited for.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export type Release = () => Promise<void>;

export async function acquirePidLock(path: string, signal?: AbortSignal): Promise<Release> {
  for (;;) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(path, 'utf8').catch(() => ''));
    // An empty lock is being written by its holder right now.
    if (holder > 0 && !isAlive(holder)) await rm(path, { force: true });
    else await delay(50, undefined, { signal });
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
