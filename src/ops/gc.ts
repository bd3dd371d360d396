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
}

export async function sweep(ctx: OpsContext, candidateBlobs: Iterable<string>): Promise<Swept> {
  const { store } = ctx;
  const deletedLayers = store.transaction(() => store.layers.deleteUnused());
  // Newest first: a layer goes before the parents it was recorded after, as wclayer's layer chains expect.
  for (const layer of [...deletedLayers].reverse()) await ctx.importer.removeLayer(ctx.layerPath(layer.chainId as Digest));
  const referenced = store.referencedBlobs();
  const candidates = new Set([...candidateBlobs, ...deletedLayers.map((l) => l.blobDigest)]);
  let blobs = 0;
  for (const digest of candidates) {
    if (referenced.has(digest)) continue;
    if (await ctx.content.has(digest as Digest)) {
      await ctx.content.delete(digest as Digest);
      blobs++;
    }
  }
  return { layers: deletedLayers.length, blobs };
}
