/**
 * Image families written straight into a store, for lineage tests, and the rule they must obey
 * computed the slow, obviously correct way: an image's ParentImage is the image whose layer
 * chain is the longest strict prefix of its own, the lowest id among equals; none: OS image.
 */
import { createHash } from 'node:crypto';
import type { ImageRecord, Store } from '../../store/index.js';

/** A chain id (64 hex digits, as layer paths need) for a stack of layer names, base first. */
export const chainIdOf = (stack: readonly string[]) => `sha256:${createHash('sha256').update(stack.join('/')).digest('hex')}`;

/** The parent id the store keeps for each image that has one (or for those of `ids`). */
export function parentIdsOf(store: Store, ids?: readonly number[]): Map<number, number> {
  const rows = ids ? store.images.summaries(ids) : store.images.summaries();
  return new Map(rows.flatMap((i) => (i.parentId === null ? [] : [[i.id, i.parentId] as [number, number]])));
}

/** The ParentImage the store keeps for an image; undefined for an OS image. */
export function parentOf(store: Store, id: number): ImageRecord | undefined {
  const parentId = store.images.byId(id)?.parentId;
  return parentId === null || parentId === undefined ? undefined : store.images.byId(parentId);
}

/** Records an image whose layers are named `layers` (base first), as an install would; returns it. */
export function addImage(store: Store, name: string, layers: readonly string[], extra: Partial<ImageRecord> = {}): ImageRecord {
  return store.transaction(() => {
    const ids = layers.map((_, i) => {
      const chainId = chainIdOf(layers.slice(0, i + 1));
      return store.layers.ensure({ chainId, diffId: chainIdOf([layers[i]!]), blobDigest: chainIdOf(['blob', ...layers.slice(0, i + 1)]), mediaType: 'application/vnd.oci.image.layer.v1.tar', size: 1, contentBytes: 1 }).id;
    });
    return store.images.add(
      {
        name, publisher: null, version: null, description: null, repository: `r/${name.toLowerCase()}`, tag: null,
        manifestDigest: chainIdOf(['manifest', name]), configDigest: chainIdOf(['config', name]), platform: 'linux/amd64',
        size: layers.length, created: null, installed: 'now', sourceId: null, pulled: true, ...extra,
      },
      ids,
    );
  });
}

export interface ModelImage {
  id: number;
  chain: readonly string[];
}

const isStrictPrefix = (prefix: readonly string[], chain: readonly string[]) =>
  prefix.length > 0 && prefix.length < chain.length && prefix.every((c, i) => chain[i] === c);

/** The parent of each image by the rule, computed over every pair. */
export function modelParents(images: readonly ModelImage[]): Map<number, number | null> {
  const parents = new Map<number, number | null>();
  for (const img of images) {
    let best: ModelImage | null = null;
    for (const cand of images) {
      if (!isStrictPrefix(cand.chain, img.chain)) continue;
      if (!best || cand.chain.length > best.chain.length || (cand.chain.length === best.chain.length && cand.id < best.id)) best = cand;
    }
    parents.set(img.id, best?.id ?? null);
  }
  return parents;
}

/** Children, descendants and ancestors (nearest first) by the model's parents. */
export function modelRelatives(parents: Map<number, number | null>, id: number) {
  const children = [...parents].filter(([, p]) => p === id).map(([c]) => c).sort((a, b) => a - b);
  const descendants: number[] = [];
  for (const [c] of parents) {
    for (let p = parents.get(c); p != null; p = parents.get(p)) {
      if (p === id) {
        descendants.push(c);
        break;
      }
    }
  }
  const ancestors: number[] = [];
  for (let p = parents.get(id); p != null; p = parents.get(p)) ancestors.push(p);
  return { children, descendants: descendants.sort((a, b) => a - b), ancestors };
}
