/**
 * Repair-ContainerImageStore: compares what is on disk with what the database records and
 * reports every difference; with `fix`, deletes what can safely go. Every blob is rehashed
 * (streamed). Nothing is ever refetched: damage that deleting cannot mend (a missing manifest,
 * config or layer directory of an image) is reported with the images to remove and reinstall.
 * A layer whose compressed blob is absent is fine (Install -DropLayerBlobs): reported as
 * information only.
 *
 * The database is checked first: what is on disk can be judged only against records that are
 * whole. A damaged database (SQLite's integrity_check or foreign_key_check) is the one finding
 * reported, and `fix` refuses to delete anything: a table that lost its rows would make every
 * directory and blob it named look like garbage.
 *
 * With `fix` it first takes the deletion lease (leases.ts), so no install or New-Container is
 * running: a blob no row names and a layer or container directory no row records are garbage,
 * not work yet to be recorded.
 */
import { DATABASE_FILE } from '../content/layout.js';
import type { OpsContext } from './context.js';
import { assertDatabaseSound } from './damage.js';
import { lease } from './recover.js';
import { blobs, imageBlobs } from './repair/blobs.js';
import type { RepairCheck } from './repair/check.js';
import { missingContainers, unrecordedContainers } from './repair/containers.js';
import { recordedLayers, unrecordedLayers, unusedLayers } from './repair/layers.js';
import { leftovers } from './repair/leftovers.js';
import { oldPartials } from './repair/partials.js';

export type FindingKind =
  | 'DamagedDatabase'
  | 'CorruptBlob'
  | 'UnreferencedBlob'
  | 'MissingBlob'
  | 'BlobNotKept'
  | 'MissingLayer'
  | 'UnusedLayer'
  | 'UnrecordedLayer'
  | 'MissingContainer'
  | 'UnrecordedContainer'
  | 'Leftover'
  | 'StaleLock'
  | 'OldPartial';

/**
 * None: information only. Reinstall: cannot be fixed here; `images` says what to remove and
 * reinstall. RestoreDatabase: cannot be fixed here; see DATABASE_HINT (damage.ts).
 */
export type RepairAction = 'None' | 'Deleted' | 'WouldDelete' | 'Reinstall' | 'RestoreDatabase';

export interface Finding {
  kind: FindingKind;
  /** Relative to the store root, `/`-separated. */
  path: string;
  digest: string | null;
  images: string[];
  action: RepairAction;
  detail: string;
}

/**
 * The checks, in the order they run and report. Each runs its fixes before the next one looks:
 * the blobs that only unused layers named count as unreferenced in the same run.
 */
const CHECKS: readonly RepairCheck[] = [leftovers, oldPartials, unusedLayers, blobs, imageBlobs, recordedLayers, unrecordedLayers, missingContainers, unrecordedContainers];

/** True when nothing is left to do: every finding is information or has been fixed. */
export const isClean = (findings: Finding[]) => findings.every((f) => f.action === 'None' || f.action === 'Deleted');

export async function repairStore(ctx: OpsContext, opts: { fix: boolean }): Promise<Finding[]> {
  if (!opts.fix) {
    const damage = ctx.store.damage();
    if (damage.length > 0) {
      return damage.map((detail) => ({ kind: 'DamagedDatabase', path: DATABASE_FILE, digest: null, images: [], action: 'RestoreDatabase', detail }));
    }
    return check(ctx, opts);
  }
  assertDatabaseSound(ctx);
  // Layers and containers are deleted through the importer: it must be able to (wclayer, privileges) before anything goes.
  await ctx.importer.ensureReady();
  const release = await lease(ctx, 'delete');
  try {
    return await check(ctx, opts);
  } finally {
    await release();
  }
}

async function check(ctx: OpsContext, opts: { fix: boolean }): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const c of CHECKS) {
    const found = await c.find(ctx);
    ctx.report.debug(`repair: ${c.name}: ${found.length} found`);
    for (const { finding, fix } of found) {
      // A fix that answers false could not be done now (a leftover waiting behind a live lock).
      const done = fix !== undefined && opts.fix && (await fix()) !== false;
      findings.push(done ? { ...finding, action: 'Deleted' } : finding);
    }
  }
  return findings;
}
