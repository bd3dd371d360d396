/**
 * Removing images, one by one in dependency order: each image whose children are all removed
 * before it (a child's chain is longer than its parent's, so the longest chains go first), and
 * which no container (whatever its state) and no remaining child image depends on, is removed;
 * the others are refused with their dependents named (DESIGN rule 1). The decisions are made
 * in one transaction, then the sweep frees the layers and blobs nothing uses any more.
 * Removals share their lease, so another one may delete a selected image between our
 * selection and our transaction: such an image is reported gone, never removed twice.
 * Asked to stop at the first failure (-ErrorAction Stop), the images after the first refused one
 * are not attempted.
 */
import { dependent, notFound, type CtrimgError } from '../errors.js';
import type { Dependents, ImageRecord } from '../../store/index.js';
import { checkImporter, type ImporterKind } from '../importers/kinds.js';
import type { OpsContext } from './context.js';
import type { StoreContext } from './store-context.js';
import { assertDatabaseSound } from './damage.js';
import { sweep, type Swept } from './gc.js';
import { describeImage } from './images.js';
import { withLease } from './lease-scope.js';

export interface Refusal extends Dependents {
  image: ImageRecord;
}

export interface Removal {
  /** Removed (with whatIf: would be), children before their parents. */
  removed: ImageRecord[];
  /** Kept because something depends on them, with what does. */
  refused: Refusal[];
  /** Selected images another command removed first. */
  gone: ImageRecord[];
  /** Not attempted, with stopAtFirstFailure, because one before them was refused. */
  skipped: ImageRecord[];
  swept: Swept;
}

export interface RemovalOptions {
  /** Attempt nothing after the first image refused (-ErrorAction Stop); by default every image is attempted. */
  stopAtFirstFailure?: boolean;
}

export interface ConfirmedRemovalOptions extends RemovalOptions {
  /**
   * Asked about each image the removal would remove (one it would refuse is refused unasked),
   * every one before any goes and before the lease is taken: a question may wait on a person.
   * An image answered no is left out.
   */
  confirm?: (image: ImageRecord) => Promise<boolean>;
}

const NOTHING_SWEPT: Swept = { layers: 0, blobs: 0, chainIds: [] };

/**
 * What removeImages would do now (-WhatIf): decided the same way, without the lease, and rolled
 * back. It needs the records alone, so a refusal is known without loading the importers; an
 * importer forced (`importer`) that the store's layers were not made by is refused as the
 * removal would refuse it.
 */
export function planRemoval(ctx: StoreContext, targets: ImageRecord[], { importer, ...opts }: RemovalOptions & { importer?: ImporterKind } = {}): Removal {
  checkImporter(ctx.store, importer);
  return { ...ctx.store.dryRun(() => decide(ctx, targets, false, opts)), swept: NOTHING_SWEPT };
}

/**
 * Removes the images, holding the delete lease (lease-scope.ts), so no install records a child of
 * one meanwhile.
 */
export async function removeImages(ctx: OpsContext, targets: ImageRecord[], { confirm, ...opts }: ConfirmedRemovalOptions = {}): Promise<Removal> {
  if (confirm) {
    const declined = new Set<number>();
    for (const image of planRemoval(ctx, targets, opts).removed) if (!(await confirm(image))) declined.add(image.id);
    targets = targets.filter((t) => !declined.has(t.id));
  }
  return withLease(ctx, 'delete', async () => {
    // Records go first, files after: an importer that cannot remove files must say so before.
    await ctx.importer.ensureReady();
    const decided = ctx.store.transaction(() => decide(ctx, targets, true, opts));
    if (decided.removed.length === 0) return { ...decided, swept: NOTHING_SWEPT };
    const swept = await sweep(ctx, decided.removed.flatMap((t) => [t.manifestDigest, t.configDigest]));
    return { ...decided, swept };
  });
}

/** The decisions, inside the caller's transaction; `removing`: they are kept, and files follow. */
function decide(ctx: StoreContext, targets: ImageRecord[], removing: boolean, opts: RemovalOptions): Omit<Removal, 'swept'> {
  const { store } = ctx;
  // By id and content: the id of an image removed meanwhile may have been given to a new one.
  const isPresent = (t: ImageRecord) => {
    const now = store.images.byId(t.id);
    return now !== undefined && now.repository === t.repository && now.manifestDigest === t.manifestDigest;
  };
  const present: ImageRecord[] = [];
  const gone: ImageRecord[] = [];
  for (const t of targets) (isPresent(t) ? present : gone).push(t);
  // No target at all (an empty pipeline) is nothing to do, not images gone.
  if (present.length === 0 && gone.length > 0) throw alreadyGone(gone);
  const lengths = store.lineage.chainLengths(present.map((t) => t.id));
  const ordered = [...present].sort((a, b) => (lengths.get(b.id) ?? 0) - (lengths.get(a.id) ?? 0) || b.id - a.id);
  const removed: ImageRecord[] = [];
  const refused: Refusal[] = [];
  const skipped: ImageRecord[] = [];
  for (const image of ordered) {
    if (opts.stopAtFirstFailure && refused.length > 0) {
      skipped.push(image);
      continue;
    }
    const deps = store.lineage.dependents(image.id);
    if (deps.containers.length + deps.children.length > 0) refused.push({ image, ...deps });
    else if (store.images.remove(image)) removed.push(image);
  }
  // The sweep deletes whatever the records leave unused: they must be whole. Checked (the whole
  // file: slow on a large store) only when something is to go, and before it goes: a failing
  // check rolls the removals back. A refusal deletes nothing and needs no check.
  if (removing && removed.length > 0) assertDatabaseSound(ctx);
  return { removed, refused, gone, skipped };
}

/** What each refused image is used by: `container 'c1' (Off), image 'WebApp 1.2.0.0'`. */
export function describeDependents(r: Dependents): string {
  return [...r.containers.map((c) => `container '${c.name}' (${c.state})`), ...r.children.map((i) => `image '${describeImage(i)}'`)].join(', ');
}

const refusalReason = (x: Refusal) => `'${describeImage(x.image)}': it is used by ${describeDependents(x)}`;

/** The refusal of these images (exit 4), each named with what it is used by. */
function inUse(refused: Refusal[]) {
  return dependent(`cannot remove ${refused.map(refusalReason).join('; ')}`, {
    hint: 'Remove the dependent containers and child images first',
    code: 'IMAGE_IN_USE',
  });
}

/**
 * The error a removal ends with, if any: refused images first (exit 4, each named with what
 * it is used by), else images another command removed first (exit 3).
 */
export function removalError(r: Pick<Removal, 'refused' | 'gone'>) {
  if (r.refused.length > 0) return inUse(r.refused);
  return r.gone.length > 0 ? alreadyGone(r.gone) : undefined;
}

/** The removal's failures one by one, in the order decided: each refused image (exit 4), then those gone (exit 3). */
export function removalErrors(r: Pick<Removal, 'refused' | 'gone'>): CtrimgError[] {
  return [...r.refused.map((x) => inUse([x])), ...(r.gone.length > 0 ? [alreadyGone(r.gone)] : [])];
}

/** The not-found error for selected images that another command removed first. */
export function alreadyGone(gone: ImageRecord[]) {
  return notFound(`${gone.map((t) => `'${describeImage(t)}'`).join(', ')} ${gone.length === 1 ? 'was' : 'were'} removed meanwhile by another command`, {
    code: 'IMAGE_GONE',
  });
}
