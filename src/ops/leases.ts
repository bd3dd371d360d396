/**
 * Installs and deletions exclude each other across processes. An install reads the store at
 * its start (is the base installed? which layers are recorded?) and records its image at the
 * end; a removal (Remove-ContainerImage, Repair-ContainerImageStore -Fix) deleting a base or a
 * layer in between would leave a child without its base, or an image whose layer directory is
 * gone. So each takes a lease, a file `leases/<kind>-<pid>-<rand>` holding its owner's record
 * (content/owner.ts): installs share with installs, deletions with deletions. A deletion keeps
 * its file while it waits for the running installs to end; an install that sees a deletion's
 * file withdraws its own and waits, so a deletion is never starved and the two never wait on
 * each other. The files of dead processes do not count, even when their pid has been reused
 * (and are removed as leftovers). Installs run side by side: each layer they both need is
 * imported once, under its lock (see pull-layers.ts).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { classify, LEASES, leasePath, storeDir } from '../content/layout.js';
import { formatOwner, isRunning, isSelf, parseOwner, self, type Owner } from '../content/owner.js';

export type LeaseKind = 'install' | 'delete';

const OTHER: Record<LeaseKind, LeaseKind> = { install: 'delete', delete: 'install' };
const POLL_MS = 50;

/** The lease files in `root` (of one kind, if given) with the owner each names, running or not. */
export async function leaseFiles(root: string, kind?: LeaseKind): Promise<Array<{ name: string; owner: Owner }>> {
  const dir = storeDir(root, LEASES);
  const found: Array<{ name: string; owner: Owner }> = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const lease = classify(LEASES, name);
    if (lease?.kind !== 'lease' || (kind && lease.lease !== kind)) continue;
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    const owner = text === undefined ? undefined : parseOwner(text, lease.pid);
    if (owner) found.push({ name, owner });
  }
  return found;
}

/** The other processes running that hold a lease of this kind, each once. */
export async function holders(root: string, kind: LeaseKind): Promise<Owner[]> {
  const live = (await leaseFiles(root, kind)).map((f) => f.owner).filter((o) => !isSelf(o) && isRunning(o));
  return live.filter((o, i) => live.findIndex((p) => p.pid === o.pid) === i);
}

/**
 * Waits until a lease of `kind` is held; resolves to its release. `onWait` hears, once, the
 * processes being waited for.
 */
export async function takeLease(
  root: string,
  kind: LeaseKind,
  opts: { signal?: AbortSignal; onWait?: (owners: Owner[]) => void } = {},
): Promise<() => Promise<void>> {
  await mkdir(storeDir(root, LEASES), { recursive: true });
  const file = leasePath(root, kind);
  const release = () => rm(file, { force: true });
  let told = false;
  try {
    for (;;) {
      await writeFile(file, formatOwner(self()));
      const others = await holders(root, OTHER[kind]);
      if (others.length === 0) return release;
      if (!told) opts.onWait?.(others);
      told = true;
      if (kind === 'install') await rm(file, { force: true });
      await delay(POLL_MS + Math.floor(Math.random() * POLL_MS), undefined, { signal: opts.signal });
    }
  } catch (err) {
    await release();
    throw err;
  }
}
