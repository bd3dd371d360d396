/**
 * What Install and Remove do before anything else. First the cheap part of a repair: the
 * leftovers of processes killed mid-command (see leftovers.ts) are removed; partial downloads,
 * verified blobs and layer directories nobody recorded are kept, since the next install reuses
 * the first two and replaces the third, and Repair-ContainerImageStore -Fix deletes what is
 * never reused. Then the lease that keeps installs and deletions apart (see leases.ts).
 */
import { describeOwner } from '../content/owner.js';
import type { OpsContext } from './context.js';
import { takeLease, type LeaseKind } from './leases.js';
import { leftoverScope, removeLeftovers } from './leftovers.js';

export async function recoverAndLease(ctx: OpsContext, kind: LeaseKind): Promise<() => Promise<void>> {
  const removed = await removeLeftovers(leftoverScope(ctx));
  if (removed.length > 0) ctx.report.debug(`removed leftovers of stopped processes: ${removed.map((l) => l.path).join(', ')}`);
  return lease(ctx, kind);
}

/** Takes the lease, saying once on stderr what it waits for. */
export function lease(ctx: OpsContext, kind: LeaseKind): Promise<() => Promise<void>> {
  const waitingFor = kind === 'install' ? 'images being removed' : 'installs';
  return takeLease(ctx.root, kind, {
    signal: ctx.signal,
    onWait: (owners) => ctx.report.info(`Waiting for ${waitingFor} to finish: ${owners.map(describeOwner).join(', ')}`),
  });
}
