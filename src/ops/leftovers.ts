/**
 * What a process killed in the middle of a command leaves in a store root, told apart from a
 * live process's work by the pid each name carries: install's staging directories
 * (`layers/.importing-<pid>-…`), the importer's temp directories (`layers/.tmp-<pid>-…`,
 * `containers/.tmp-<pid>-…`), the content store's temp files (`ingest/<hex>.<pid>.<rand>`), lock
 * files holding the pid (`ingest/<hex>.lock` for a download, `layers/<hex>.lock` for a layer an
 * install imports), their takeover locks (`<hex>.lock.takeover`) and temp files (`.tmp-<pid>-…`
 * beside them), and leases
 * (`leases/<kind>-<pid>-…`).
 * Locks and leases hold their owner's record (content/owner.ts), which a reused pid cannot
 * fake; a name carries only a pid, so it is judged by the record of the lease that pid's
 * process held (every command that makes such names takes one), or by the pid alone if none.
 * Finding them is a few readdirs, cheap enough to run at the start of every Install and Remove.
 * Partial downloads (`ingest/<hex>.partial`) are not leftovers: the next attempt resumes them.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning, isSelf, parseOwner, type Owner } from '../content/owner.js';
import { removeStaleLock } from '../content/pid-lock.js';
import { assertInside, removeInside } from '../content/root.js';
import type { LayerImporter } from '../importers/types.js';
import { leaseFiles } from './leases.js';

export interface Leftover {
  kind: 'Leftover' | 'StaleLock';
  /** Relative to the store root, `/`-separated. */
  path: string;
  pid: number;
  /** A stale lock's text as it was judged: it is removed only while it still holds that. */
  lockText?: string;
}

const PATTERNS: Array<{ dir: string; name: RegExp }> = [
  { dir: 'layers', name: /^\.(?:importing|tmp)-(\d+)-/ },
  { dir: 'containers', name: /^\.tmp-(\d+)-/ },
  { dir: 'ingest', name: /^[0-9a-f]{64}\.(\d+)\.[0-9a-f]+$/ },
  { dir: 'ingest', name: /^\.tmp-(\d+)-/ },
  { dir: 'leases', name: /^[a-z]+-(\d+)-/ },
];
/** Lock files naming their owner (content/pid-lock.ts): downloads of a blob, imports of a layer. */
const LOCKS: Array<{ dir: string; name: RegExp }> = [
  { dir: 'ingest', name: /^[0-9a-f]{64}\.lock(?:\.takeover)?$/ },
  { dir: 'layers', name: /^[0-9a-f]{64}\.lock(?:\.takeover)?$/ },
];

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** Every leftover of a process that is no longer running. */
export async function findLeftovers(root: string): Promise<Leftover[]> {
  const found: Leftover[] = [];
  const leases = await leaseFiles(root);
  const stopped = (o: Owner) => !isSelf(o) && !isRunning(o);
  // A name's pid is running if any lease of that pid names a running process (a new one may have the pid of a crashed one).
  const pidStopped = (pid: number) => {
    const owners = leases.filter((l) => l.owner.pid === pid).map((l) => l.owner);
    return (owners.length ? owners : [{ pid }]).every(stopped);
  };
  for (const { dir, name } of PATTERNS) {
    for (const entry of await list(join(root, dir))) {
      const pid = Number(name.exec(entry)?.[1] ?? 0);
      const lease = dir === 'leases' ? leases.find((l) => l.name === entry)?.owner : undefined;
      if (pid > 0 && (lease ? stopped(lease) : pidStopped(pid))) found.push({ kind: 'Leftover', path: `${dir}/${entry}`, pid });
    }
  }
  for (const { dir, name } of LOCKS) {
    for (const entry of await list(join(root, dir))) {
      if (!name.test(entry)) continue;
      const path = join(root, dir, entry);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      // A lock is never written empty (it is linked into place whole): one that names no process is junk.
      const owner = parseOwner(text);
      if (!owner || stopped(owner)) found.push({ kind: 'StaleLock', path: `${dir}/${entry}`, pid: owner?.pid ?? 0, lockText: text });
    }
  }
  return found;
}

/**
 * Removes one leftover. A directory an importer was making in `layers/` or `containers/` is the
 * importer's to remove: on Windows `wclayer remove` also releases what the Host Compute Service
 * holds of it, and HCS sets permissions on layer files that a plain delete may not get past.
 */
export async function removeLeftover(root: string, l: Leftover, importer: LayerImporter): Promise<void> {
  const path = join(root, l.path);
  const dir = l.kind === 'Leftover' && (await lstat(path).catch(() => undefined))?.isDirectory();
  if (dir && l.path.startsWith('layers/')) return importer.removeLayer(path);
  if (dir && l.path.startsWith('containers/')) return importer.removeContainer(path);
  // A waiter may be taking the same stale lock over: its new lock must not go instead (pid-lock.ts).
  if (l.lockText !== undefined && l.path.endsWith('.lock')) {
    await assertInside(root, path);
    await removeStaleLock(path, l.lockText);
    return;
  }
  await removeInside(root, path);
}

/** Removes every leftover of a dead process; returns what was removed. */
export async function removeLeftovers(root: string, importer: LayerImporter): Promise<Leftover[]> {
  const found = await findLeftovers(root);
  for (const l of found) await removeLeftover(root, l, importer);
  return found;
}
