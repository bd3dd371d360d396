/**
 * Image lineage, computed from layer chains rather than stored: an image's ParentImage is the
 * installed image whose chain is the longest strict prefix of its own (ties go to the image
 * installed first); an image with none is an OS image. Computing it keeps it right after any
 * install or removal without bookkeeping.
 */
import type { ImageWithChain } from '../../store/index.js';

function isStrictPrefix(prefix: string[], chain: string[]): boolean {
  return prefix.length > 0 && prefix.length < chain.length && prefix.every((c, i) => chain[i] === c);
}

/** Maps each image id to its parent image, or null for an OS image. */
export function parentsOf(images: readonly ImageWithChain[]): Map<number, ImageWithChain | null> {
  const parents = new Map<number, ImageWithChain | null>();
  for (const img of images) {
    let best: ImageWithChain | null = null;
    for (const cand of images) {
      if (!isStrictPrefix(cand.chain, img.chain)) continue;
      if (!best || cand.chain.length > best.chain.length || (cand.chain.length === best.chain.length && cand.id < best.id)) {
        best = cand;
      }
    }
    parents.set(img.id, best);
  }
  return parents;
}

/** Images whose ParentImage is `imageId`. */
export function childrenOf(imageId: number, images: readonly ImageWithChain[]): ImageWithChain[] {
  const parents = parentsOf(images);
  return images.filter((img) => parents.get(img.id)?.id === imageId);
}
