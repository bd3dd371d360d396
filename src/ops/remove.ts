/**
 * Remove-ContainerImage. Refuses, all or nothing, while any container (whatever its state)
 * was created from a selected image or any installed image outside the selection has one as
 * its ParentImage; otherwise deletes the records and sweeps what they leave unused.
 */
import { dependent } from '../errors.js';
import type { ImageWithChain } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { sweep, type Swept } from './gc.js';
import { describeImage } from './images.js';
import { parentsOf } from './lineage.js';

export interface Removal {
  removed: ImageWithChain[];
  swept: Swept;
}

export async function removeImages(ctx: OpsContext, targets: ImageWithChain[], opts: { whatIf?: boolean } = {}): Promise<Removal> {
  const { store } = ctx;
  // Records go first, files after: an importer that cannot remove files must say so before.
  if (!opts.whatIf) await ctx.importer.ensureReady();
  const removed = store.transaction(() => {
    const all = store.images.listWithChains();
    const ids = new Set(targets.map((t) => t.id));
    const parents = parentsOf(all);
    const reasons: string[] = [];
    for (const t of targets) {
      const uses = store.containers.ofImage(t.id).map((c) => `container '${c.name}' (${c.state})`);
      const children = all
        .filter((img) => !ids.has(img.id) && parents.get(img.id)?.id === t.id)
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
    if (!opts.whatIf) for (const t of targets) store.images.remove(t.id);
    return targets;
  });
  if (opts.whatIf) return { removed, swept: { layers: 0, blobs: 0 } };
  const swept = await sweep(ctx, removed.flatMap((t) => [t.manifestDigest, t.configDigest]));
  return { removed, swept };
}
