/**
 * Deletes what removed images leave behind: layers no remaining image uses (record, then
 * directory) and blobs no remaining image or layer names. Only the candidates a removal names
 * are considered, so an install running beside us never loses a blob it has just written.
 */
import type { Digest } from '../image/digest.js';
import type { OpsContext } from './context.js';

export interface Swept {
  layers: number;
  blobs: number;
  /** The chain ids of the layers deleted, newest (topmost) first, as docker rmi names them. */
  chainIds: string[];
}

export async function sweep(ctx: OpsContext, candidateBlobs: Iterable<string>): Promise<Swept> {
  const { store } = ctx;
  const deletedLayers = store.transaction(() => store.layers.deleteUnused());
  // Newest first: a layer goes before the parents it was recorded after, as wclayer's layer chains expect.
  for (const layer of [...deletedLayers].reverse()) await ctx.importer.removeLayer(ctx.layerPath(layer.chainId as Digest));
  const blobs = await deleteUnreferencedBlobs(ctx, new Set([...candidateBlobs, ...deletedLayers.map((l) => l.blobDigest)]));
  return { layers: deletedLayers.length, blobs, chainIds: [...deletedLayers].reverse().map((l) => l.chainId) };
}

/**
 * Deletes those of `digests` that no image or layer record names and that are in the content
 * store; how many it deleted. Also what an install or commit that failed does with the blobs it wrote.
 */
export async function deleteUnreferencedBlobs(ctx: OpsContext, digests: Iterable<string>): Promise<number> {
  const referenced = ctx.store.referencedBlobs();
  let deleted = 0;
  for (const digest of digests) {
    if (referenced.has(digest) || !(await ctx.content.has(digest as Digest))) continue;
    await ctx.content.delete(digest as Digest);
    deleted++;
  }
  return deleted;
}
