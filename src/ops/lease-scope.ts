/**
 * Each operation that changes the store takes the lease it needs itself (leases.ts): installing
 * and creating a container the install lease, removing images the delete lease. Cmdlets and
 * other callers just call the operation.
 *
 * An operation composed inside another one (a provisioning run installing, then removing, in
 * one command) calls `withLease` too: a lease of a kind this context already holds is not taken
 * again, only counted, and released when the last holder finishes. Leases of the other
 * kind held by this same process never make it wait (leases.ts counts only other processes), so
 * composing cannot deadlock; keeping the two apart inside one command is the composer's job,
 * which runs its steps one after the other.
 */
import type { OpsContext } from './context.js';
import type { LeaseKind } from './leases.js';
import { recoverAndLease } from './recover.js';

/** A lease one context holds: taken once, released when its last holder finishes. */
interface Held {
  holders: number;
  /** Resolves to the release once the lease is taken (recover.ts); shared by every holder. */
  taken: Promise<() => Promise<void>>;
}

const held = new WeakMap<OpsContext, Map<LeaseKind, Held>>();

/**
 * Runs `fn` holding a lease of `kind`. The first holder in this context first removes the
 * leftovers of stopped processes and waits for the lease (recover.ts); holders that come while
 * it is held or being taken, nested or side by side, share it. The lease is released when the
 * last of them finishes, whichever that is.
 */
export async function withLease<T>(ctx: OpsContext, kind: LeaseKind, fn: () => Promise<T>): Promise<T> {
  let leases = held.get(ctx);
  if (!leases) held.set(ctx, (leases = new Map()));
  let lease = leases.get(kind);
  if (!lease) leases.set(kind, (lease = { holders: 0, taken: recoverAndLease(ctx, kind) }));
  lease.holders++;
  try {
    await lease.taken;
    return await fn();
  } finally {
    if (--lease.holders === 0) {
      // Forgotten before the release is awaited: a holder that comes meanwhile takes a new lease.
      leases.delete(kind);
      const release = await lease.taken.catch(() => undefined);
      await release?.();
    }
  }
}
