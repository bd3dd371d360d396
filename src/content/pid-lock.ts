/**
 * Lock files that name their holder: `path` holds the holder's record (owner.ts: pid, start,
 * what it runs). A lock whose process is gone, even if its pid now belongs to another process,
 * was left by a crash and is taken over, so a kill -9 never wedges the store; a live holder is
 * waited for. The record is written to a temp file (`.tmp-<pid>-*` beside it) that is then
 * hard-linked to `path`, which fails if the lock exists: a lock is never seen empty, whenever
 * its maker is killed.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { formatOwner, isRunning, parseOwner, self, type Owner } from './owner.js';

export type Release = () => Promise<void>;

export interface LockOptions {
  signal?: AbortSignal;
  /** Told once, when the lock is held by a live process, who that is. */
  onWait?: (holder: Owner) => void;
}

export async function acquirePidLock(path: string, opts: LockOptions = {}): Promise<Release> {
  const temp = join(dirname(path), `.tmp-${process.pid}-${randomBytes(4).toString('hex')}-${basename(path)}`);
  await writeFile(temp, formatOwner(self()));
  let told = false;
  try {
    for (;;) {
      try {
        await link(temp, path);
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // released meanwhile
      const holder = parseOwner(text);
      if (holder && isRunning(holder)) {
        if (!told) opts.onWait?.(holder);
        told = true;
        await delay(50, undefined, { signal: opts.signal });
      } else await rm(path, { force: true });
    }
  } finally {
    await rm(temp, { force: true });
  }
}
