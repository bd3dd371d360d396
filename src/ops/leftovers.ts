/**
 * What a process killed in the middle of a command leaves in a store root, told apart from a
 * live process's work by the pid each name carries (content/layout.ts makes and reads every
 * one): install's staging directories and in-place imports' markers, the importers' temp
 * directories (a wclayer run's among them), the content store's temp files, lock files holding
 * their owner (a blob's download, a layer's import), their takeover locks and temp files, and
 * leases.
 * Locks and leases hold their owner's record (content/owner.ts), which a reused pid cannot
 * fake; a name carries only a pid, so it is judged by the record of the lease that pid's
 * process held (every command that makes such names takes one), or by the pid alone if none.
 * Finding them is a few readdirs, cheap enough to run at the start of every Install and Remove.
 * Partial downloads are not leftovers: the next attempt resumes them.
 */
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  classify,
  CONTAINERS,
  INGEST,
  layerDir,
  layerLockPath,
  LAYERS,
  LEASES,
  parseLeftoverName,
  storeDir,
  storeRelative,
  type StoreDir,
  type StoreNameKind,
} from '../content/layout.js';
import { isRunning, isSelf, parseOwner, type Owner } from '../content/owner.js';
import { removeStaleLock, tryPidLock } from '../content/pid-lock.js';
import { assertInside, removeInside } from '../content/root.js';
import type { Digest } from '../image/digest.js';
import type { LayerImporter } from '../importers/types.js';
import type { OpsContext } from './context.js';
import { leaseFiles } from './leases.js';

export interface Leftover {
  kind: 'Leftover' | 'StaleLock';
  /** Relative to the store root, `/`-separated. */
  path: string;
  /** The store directory it lies in, and what its name says it is (content/layout.ts). */
  dir: StoreDir;
  what: StoreNameKind;
  pid: number;
  /** The layer an in-place import's marker or a staging directory is for. */
  chainId?: Digest;
  /** A stale lock's text as it was judged: it is removed only while it still holds that. */
  lockText?: string;
}

/** The directories that hold pid-named leftovers, then the ones that hold locks (layout.ts names both). */
const WITH_LEFTOVERS: StoreDir[] = [LAYERS, CONTAINERS, INGEST, LEASES];
const WITH_LOCKS: StoreDir[] = [INGEST, LAYERS];

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
  for (const dir of WITH_LEFTOVERS) {
    for (const entry of await list(storeDir(root, dir))) {
      const name = parseLeftoverName(dir, entry);
      if (!name) continue;
      const lease = name.kind === 'lease' ? leases.find((l) => l.name === entry)?.owner : undefined;
      if (!(lease ? stopped(lease) : pidStopped(name.pid))) continue;
      const path = storeRelative(root, join(storeDir(root, dir), entry));
      found.push({ kind: 'Leftover', path, dir, what: name.kind, pid: name.pid, ...('chainId' in name && { chainId: name.chainId }) });
    }
  }
  for (const dir of WITH_LOCKS) {
    for (const entry of await list(storeDir(root, dir))) {
      const what = classify(dir, entry)?.kind;
      if (what !== 'lock' && what !== 'takeover') continue;
      const path = join(storeDir(root, dir), entry);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      // A lock is never written empty (it is linked into place whole): one that names no process is junk.
      const owner = parseOwner(text);
      if (!owner || stopped(owner)) found.push({ kind: 'StaleLock', path: storeRelative(root, path), dir, what, pid: owner?.pid ?? 0, lockText: text });
    }
  }
  return found;
}

/** What removing leftovers works with: the resolved root, the store's importer, and whether a layer is recorded. */
export interface LeftoverScope {
  root: string;
  importer: LayerImporter;
  layerRecorded(chainId: Digest): boolean;
}

export function leftoverScope(ctx: OpsContext): LeftoverScope {
  return { root: ctx.root, importer: ctx.importer, layerRecorded: (chainId) => ctx.store.layers.byChainId(chainId) !== undefined };
}

/**
 * Removes one leftover. A directory an importer was making in `layers/` or `containers/` is the
 * importer's to remove: on Windows `wclayer remove` also releases what the Host Compute Service
 * holds of it, and HCS sets permissions on layer files that a plain delete may not get past.
 * A wclayer run's temp directory is deleted plainly, as wclayer itself deletes it. An in-place
 * import's marker takes its unfinished layer with it (removeUnfinishedLayer). False when the
 * leftover must wait for a later command.
 */
export async function removeLeftover(scope: LeftoverScope, l: Leftover): Promise<boolean> {
  const path = join(scope.root, l.path);
  if (l.what === 'in-place-marker') return removeUnfinishedLayer(scope, path, l.chainId!);
  await removeOther(scope, l, path);
  return true;
}

async function removeOther({ root, importer }: LeftoverScope, l: Leftover, path: string): Promise<void> {
  const dir = l.kind === 'Leftover' && l.what !== 'wclayer-temp' && (await lstat(path).catch(() => undefined))?.isDirectory();
  if (dir && l.dir === LAYERS) return importer.removeLayer(path);
  if (dir && l.dir === CONTAINERS) return importer.removeContainer(path);
  // A waiter may be taking the same stale lock over: its new lock must not go instead (pid-lock.ts).
  if (l.lockText !== undefined && l.what === 'lock') {
    await assertInside(root, path);
    await removeStaleLock(path, l.lockText);
    return;
  }
  await removeInside(root, path);
}

/**
 * The layer a stopped process was importing in place, marked by `marker`, then the marker; false
 * when it cannot be done now. The layer's directory is shared by name with any later import of
 * the same layer, so it is touched only under the layer's lock, and only while no image records
 * the layer (a later install may have imported and recorded it: then only the marker goes).
 * While a live install holds the lock, both stay for a later recovery: that install may give up
 * before it reaches this layer, and the marker is what lets the next command find it.
 */
async function removeUnfinishedLayer(scope: LeftoverScope, marker: string, chainId: Digest): Promise<boolean> {
  const { root, importer } = scope;
  await assertInside(root, marker);
  const release = await tryPidLock(layerLockPath(root, chainId));
  if (!release) return false;
  try {
    if (!scope.layerRecorded(chainId)) await importer.removeLayer(layerDir(root, chainId));
    await rm(marker, { force: true });
    return true;
  } finally {
    await release();
  }
}

/**
 * Removes every leftover of a dead process that can go now; returns those. The importer is asked
 * first whether it can work here (on Windows: elevated, on NTFS), so that a process that may not
 * remove layers is refused before it starts to.
 */
export async function removeLeftovers(scope: LeftoverScope): Promise<Leftover[]> {
  const found = await findLeftovers(scope.root);
  if (found.length > 0) await scope.importer.ensureReady();
  const removed: Leftover[] = [];
  // Pids with a leftover that stays: their leases (listed last) stay too, since a name carrying
  // only a pid is judged by its lease's record, and without it a pid reused by a new process would hide it.
  const waiting = new Set<number>();
  for (const l of found) {
    if (l.what === 'lease' && waiting.has(l.pid)) continue;
    if (await removeLeftover(scope, l)) removed.push(l);
    else waiting.add(l.pid);
  }
  return removed;
}
