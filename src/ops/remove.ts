/**
 * Removing images. Refuses, all or nothing, while any container (whatever its state)
 * was created from a selected image or any installed image outside the selection has one as
 * its ParentImage; otherwise deletes the records and sweeps what they leave unused.
 * Removals share their lease, so another one may delete a selected image between our
 * selection and our transaction: such an image is reported gone, never removed twice.
 */
import { dependent, notFound } from '../errors.js';
import type { ImageWithChain } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { assertDatabaseSound } from './damage.js';
import { sweep, type Swept } from './gc.js';
import { describeImage } from './images.js';
import { withLease } from './lease-scope.js';
import { parentsOf } from './lineage.js';

export interface Removal {
  removed: ImageWithChain[];
  /** Selected images another command removed first. */
  gone: ImageWithChain[];
  swept: Swept;
}

/**
 * Removes the images, holding the delete lease (lease-scope.ts), so no install records a child of
 * one meanwhile. `whatIf` only checks, without the lease: nothing is deleted.
 */
export function removeImages(ctx: OpsContext, targets: ImageWithChain[], opts: { whatIf?: boolean } = {}): Promise<Removal> {
  return opts.whatIf ? remove(ctx, targets, opts) : withLease(ctx, 'delete', () => remove(ctx, targets, opts));
}

async function remove(ctx: OpsContext, targets: ImageWithChain[], opts: { whatIf?: boolean }): Promise<Removal> {
  const { store } = ctx;
  // Records go first, files after: an importer that cannot remove files must say so before.
  if (!opts.whatIf) {
    await ctx.importer.ensureReady();
    // The sweep deletes whatever the records leave unused: they must be whole.
    assertDatabaseSound(ctx);
  }
  const { present, gone } = store.transaction(() => {
    const all = store.images.listWithChains();
    // By id and content: the id of an image removed meanwhile may have been given to a new one.
    const ids = new Set(all.map(imageKey));
    const present = targets.filter((t) => ids.has(imageKey(t)));
    const gone = targets.filter((t) => !ids.has(imageKey(t)));
    if (present.length === 0) throw alreadyGone(gone);
    const selected = new Set(present.map((t) => t.id));
    const parents = parentsOf(all);
    const reasons: string[] = [];
    for (const t of present) {
      const uses = store.containers.ofImage(t.id).map((c) => `container '${c.name}' (${c.state})`);
      const children = all
        .filter((img) => !selected.has(img.id) && parents.get(img.id)?.id === t.id)
        .map((img) => `image '${describeImage(img)}'`);
      if (uses.length + children.length > 0) {
        reasons.push(`'${describeImage(t)}': it is used by ${[...uses, ...children].join(', ')}`);
      }
    }
    if (reasons.length > 0) {
      throw dependent(`cannot remove ${reasons.join('; ')}`, {
        hint: 'Remove the dependent containers and child images first',
        code: 'IMAGE_IN_USE',
      });
    }
    if (!opts.whatIf) for (const t of present) store.images.remove(t);
    return { present, gone };
  });
  if (opts.whatIf) return { removed: present, gone, swept: { layers: 0, blobs: 0 } };
  const swept = await sweep(ctx, present.flatMap((t) => [t.manifestDigest, t.configDigest]));
  return { removed: present, gone, swept };
}

const imageKey = (img: ImageWithChain) => `${img.id} ${img.repository} ${img.manifestDigest}`;

/** The not-found error for selected images that another command removed first. */
export function alreadyGone(gone: ImageWithChain[]) {
  return notFound(`${gone.map((t) => `'${describeImage(t)}'`).join(', ')} ${gone.length === 1 ? 'was' : 'were'} removed meanwhile by another command`, {
    code: 'IMAGE_GONE',
  });
}
