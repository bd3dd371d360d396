/**
 * Lock files that name their holder: `path` holds the holder's record (owner.ts: pid, start,
 * what it runs). A lock whose process is gone, even if its pid now belongs to another process,
 * was left by a crash and is taken over, so a kill -9 never wedges the store; a live holder is
 * waited for. The record is written to a temp file (`.tmp-<pid>-*` beside it) that is then
 * hard-linked to `path`, which fails if the lock exists: a lock is never seen empty, whenever
 * its maker is killed.
 *
 * Taking over is two steps, removing the stale lock and linking one's own, and several may
 * wait for the same crashed holder: one that judged the old lock stale must not remove the one
 * another waiter has just linked in its place. So the second look and the removal are made
 * under `<lock>.takeover`, a lock of the same kind held for those two calls only; should its
 * holder crash in between, the next waiter finds it stale and removes it plainly.
 */
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { lockTempPath, takeoverPath } from './layout.js';
import { formatOwner, isRunning, parseOwner, self, type Owner } from './owner.js';

export type Release = () => Promise<void>;

export interface LockOptions {
  signal?: AbortSignal;
  /** Told once, when the lock is held by a live process, who that is. */
  onWait?: (holder: Owner) => void;
}

export async function acquirePidLock(path: string, opts: LockOptions = {}): Promise<Release> {
  return (await takeLock(path, opts, true))!;
}

/** acquirePidLock without the wait: undefined at once while a live process holds the lock (a stale one is taken over). */
export function tryPidLock(path: string, opts: Pick<LockOptions, 'signal'> = {}): Promise<Release | undefined> {
  return takeLock(path, opts, false);
}

async function takeLock(path: string, opts: LockOptions, wait: boolean): Promise<Release | undefined> {
  const temp = lockTempPath(path);
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
        if (!wait) return undefined;
        if (!told) opts.onWait?.(holder);
        told = true;
        await delay(POLL_MS, undefined, { signal: opts.signal });
      } else if (!(await removeStaleLock(path, text, temp))) {
        await delay(TAKEOVER_POLL_MS, undefined, { signal: opts.signal }); // another waiter is taking it over
      }
    }
  } finally {
    await rm(temp, { force: true });
  }
}

/** True while a live process holds the lock at `path`. */
export async function isHeld(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const holder = text === undefined ? undefined : parseOwner(text);
  return holder !== undefined && isRunning(holder);
}

const POLL_MS = 50;
const TAKEOVER_POLL_MS = 5;

/**
 * Removes the lock at `path` if it still holds `stale` (the text of a holder found gone), under
 * its takeover lock. False when another process holds the takeover lock: look again later.
 * `record`: a file holding this process's record, linked as the takeover lock (one is made
 * when not given).
 */
export async function removeStaleLock(path: string, stale: string, record?: string): Promise<boolean> {
  const guard = takeoverPath(path);
  const own = record ?? lockTempPath(guard);
  if (!record) await writeFile(own, formatOwner(self()));
  try {
    try {
      await link(own, guard);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = await readFile(guard, 'utf8').catch(() => undefined);
      const holder = text === undefined ? undefined : parseOwner(text);
      if (text !== undefined && !(holder && isRunning(holder))) await rm(guard, { force: true });
      return false;
    }
    try {
      if ((await readFile(path, 'utf8').catch(() => undefined)) === stale) await rm(path, { force: true });
    } finally {
      await rm(guard, { force: true });
    }
    return true;
  } finally {
    if (!record) await rm(own, { force: true });
  }
}
