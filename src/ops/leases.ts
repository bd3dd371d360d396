/**
 * Installs and deletions exclude each other across processes. An install reads the store at
 * its start (is the base installed? which layers are recorded?) and records its image at the
 * end; a removal (Remove-ContainerImage, Repair-ContainerImageStore -Fix) deleting a base or a
 * layer in between would leave a child without its base, or an image whose layer directory is
 * gone. So each takes a lease, a file `leases/<kind>-<pid>-<rand>`: installs share with
 * installs, deletions with deletions. A deletion keeps its file while it waits for the running
 * installs to end; an install that sees a deletion's file withdraws its own and waits, so a
 * deletion is never starved and the two never wait on each other. The files of dead processes
 * do not count (and are removed as leftovers). Installs run side by side: each layer they
 * both need is imported once, under its lock (see pull-layers.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isAlive } from '../content/pid-lock.js';

export type LeaseKind = 'install' | 'delete';

const OTHER: Record<LeaseKind, LeaseKind> = { install: 'delete', delete: 'install' };
const POLL_MS = 50;

/** Pids of the live processes holding a lease of this kind. */
export async function holders(root: string, kind: LeaseKind): Promise<number[]> {
  const names = await readdir(join(root, 'leases')).catch(() => [] as string[]);
  const pids = names.map((n) => new RegExp(`^${kind}-(\\d+)-`).exec(n)?.[1]).filter((p) => p !== undefined);
  return [...new Set(pids.map(Number))].filter((pid) => pid !== process.pid && isAlive(pid));
}

/**
 * Waits until a lease of `kind` is held; resolves to its release. `onWait` hears, once, the
 * pids being waited for.
 */
export async function takeLease(
  root: string,
  kind: LeaseKind,
  opts: { signal?: AbortSignal; onWait?: (pids: number[]) => void } = {},
): Promise<() => Promise<void>> {
  const dir = join(root, 'leases');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const release = () => rm(file, { force: true });
  let told = false;
  try {
    for (;;) {
      await writeFile(file, '');
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
