/**
 * Each operation that changes the store takes the lease it needs itself (leases.ts): installing
 * and creating a container the install lease, removing images the delete lease. Cmdlets and
 * other callers just call the operation.
 *
 * An operation composed inside another one (a provisioning run installing, then removing, in
 * one command) calls `withLease` too: a lease of a kind this context already holds is not taken
 * again, only counted, and released when the outermost holder finishes. Leases of the other
 * kind held by this same process never make it wait (leases.ts counts only other processes), so
 * composing cannot deadlock; keeping the two apart inside one command is the composer's job,
 * which runs its steps one after the other.
 */
import type { OpsContext } from './context.js';
import type { LeaseKind } from './leases.js';
import { recoverAndLease } from './recover.js';

const held = new WeakMap<OpsContext, Map<LeaseKind, number>>();

/**
 * Runs `fn` holding a lease of `kind`. The first holder in this context first removes the
 * leftovers of stopped processes and waits for the lease (recover.ts); nested holders reuse it.
 */
export async function withLease<T>(ctx: OpsContext, kind: LeaseKind, fn: () => Promise<T>): Promise<T> {
  let counts = held.get(ctx);
  if (!counts) held.set(ctx, (counts = new Map()));
  const release = (counts.get(kind) ?? 0) > 0 ? undefined : await recoverAndLease(ctx, kind);
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
  try {
    return await fn();
  } finally {
    counts.set(kind, counts.get(kind)! - 1);
    await release?.();
  }
}
