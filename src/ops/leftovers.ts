/**
 * What a process killed in the middle of a command leaves in a store root, told apart from a
 * live process's work by the pid each name carries: install's staging directories
 * (`layers/.importing-<pid>-…`), the importer's temp directories (`layers/.tmp-<pid>-…`,
 * `containers/.tmp-<pid>-…`), the content store's temp files (`ingest/<hex>.<pid>.<rand>`), lock
 * files holding the pid (`ingest/<hex>.lock` for a download, `layers/<hex>.lock` for a layer an
 * install imports) and their temp files (`.tmp-<pid>-…` beside them), and leases
 * (`leases/<kind>-<pid>-…`).
 * Finding them is a few readdirs, cheap enough to run at the start of every Install and Remove.
 * Partial downloads (`ingest/<hex>.partial`) are not leftovers: the next attempt resumes them.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../content/pid-lock.js';
import { removeInside } from '../content/root.js';
import type { LayerImporter } from '../importers/types.js';

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
  { dir: 'ingest', name: /^\.tmp-(\d+)-/ },
  { dir: 'leases', name: /^[a-z]+-(\d+)-/ },
];
/** Lock files holding the pid of their owner (content/pid-lock.ts): downloads of a blob, imports of a layer. */
const LOCKS: Array<{ dir: string; name: RegExp }> = [
  { dir: 'ingest', name: /^[0-9a-f]{64}\.lock$/ },
  { dir: 'layers', name: /^[0-9a-f]{64}\.lock$/ },
];

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
      // A lock is never written empty (it is linked into place whole): one that names no pid is junk.
      const stale = pid > 0 ? pid !== process.pid && !isAlive(pid) : true;
      if (stale) found.push({ kind: 'StaleLock', path: `${dir}/${entry}`, pid });
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
  await removeInside(root, path);
}

/** Removes every leftover of a dead process; returns what was removed. */
export async function removeLeftovers(root: string, importer: LayerImporter): Promise<Leftover[]> {
  const found = await findLeftovers(root);
  for (const l of found) await removeLeftover(root, l, importer);
  return found;
}
