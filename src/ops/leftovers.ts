/**
 * What a process killed in the middle of a command leaves in a store root, told apart from a
 * live process's work by the pid each name carries: install's staging directories
 * (`layers/.importing-<pid>-…`), the importer's temp directories (`layers/.tmp-<pid>-…`,
 * `containers/.tmp-<pid>-…`), the content store's temp files (`ingest/<hex>.<pid>.<rand>`) and
 * download locks (`ingest/<hex>.lock`, holding the pid), and leases (`leases/<kind>-<pid>-…`,
 * `leases/install.lock` holding the pid).
 * Finding them is a few readdirs, cheap enough to run at the start of every Install and Remove.
 * Partial downloads (`ingest/<hex>.partial`) are not leftovers: the next attempt resumes them.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface Leftover {
  kind: 'Leftover' | 'StaleLock';
  /** Relative to the store root, `/`-separated. */
  path: string;
  pid: number;
}

const PATTERNS: Array<{ dir: string; name: RegExp }> = [
  { dir: 'layers', name: /^\.(?:importing|tmp)-(\d+)-/ },
  { dir: 'containers', name: /^\.tmp-(\d+)-/ },
  { dir: 'ingest', name: /^[0-9a-f]{64}\.(\d+)\.[0-9a-f]+$/ },
  { dir: 'leases', name: /^[a-z]+-(\d+)-/ },
];
/** Lock files holding the pid of their owner: downloads of one blob, and installs. */
const LOCKS: Array<{ dir: string; name: RegExp }> = [
  { dir: 'ingest', name: /^[0-9a-f]{64}\.lock$/ },
  { dir: 'leases', name: /^install\.lock$/ },
];
/** A lock file is created empty and then given the pid; one still empty after this was never finished. */
export const EMPTY_LOCK_GRACE_MS = 10_000;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** Every leftover of a process that is no longer running. */
export async function findLeftovers(root: string): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (const { dir, name } of PATTERNS) {
    for (const entry of await list(join(root, dir))) {
      const pid = Number(name.exec(entry)?.[1] ?? 0);
      if (pid > 0 && pid !== process.pid && !isAlive(pid)) found.push({ kind: 'Leftover', path: `${dir}/${entry}`, pid });
    }
  }
  for (const { dir, name } of LOCKS) {
    for (const entry of await list(join(root, dir))) {
      if (!name.test(entry)) continue;
      const path = join(root, dir, entry);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const pid = Number(text);
      const stale = pid > 0 ? pid !== process.pid && !isAlive(pid) : text === '' && (await ageMs(path)) > EMPTY_LOCK_GRACE_MS;
      if (stale) found.push({ kind: 'StaleLock', path: `${dir}/${entry}`, pid });
    }
  }
  return found;
}

/** How long ago a file was last written (0 when it is gone). */
export async function ageMs(path: string): Promise<number> {
  const st = await stat(path).catch(() => undefined);
  return st ? Date.now() - st.mtimeMs : 0;
}

export async function removeLeftover(root: string, l: Leftover): Promise<void> {
  await rm(join(root, l.path), { recursive: true, force: true });
}

/** Removes every leftover of a dead process; returns what was removed. */
export async function removeLeftovers(root: string): Promise<Leftover[]> {
  const found = await findLeftovers(root);
  for (const l of found) await removeLeftover(root, l);
  return found;
}
