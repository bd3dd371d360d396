/**
 * Layers: rows no image uses, rows whose directory is gone, directories no row records. A
 * directory is told apart by the chain id in its name (content/layout.ts).
 */
import { join } from 'node:path';
import { blobPath, classify, layerLockPath, LAYERS, storeDir, storeRelative } from '../../content/layout.js';
import { isHeld } from '../../content/pid-lock.js';
import type { Digest } from '../../image/digest.js';
import { describeImage } from '../images.js';
import { deletable, exists, reported, sorted, type Found, type RepairCheck } from './check.js';

/**
 * A layer row no image uses goes with its directory. Run before the blob check: once the rows
 * are deleted, the blobs only they named count as unreferenced.
 */
export const unusedLayers: RepairCheck = {
  name: 'layers no image uses',
  async find(ctx) {
    const { store } = ctx;
    // The rows go in one transaction, at the first fix; the delete lease keeps installs out meanwhile.
    let rowsDeleted = false;
    const deleteRows = () => {
      if (!rowsDeleted) store.transaction(() => store.layers.deleteUnused());
      rowsDeleted = true;
    };
    return store.layers.unused().map((layer) => {
      const path = ctx.layerPath(layer.chainId as Digest);
      const detail = `layer ${layer.chainId} is recorded but no image uses it`;
      return deletable({ kind: 'UnusedLayer', path: storeRelative(ctx.root, path), digest: layer.chainId, detail }, async () => {
        deleteRows();
        await ctx.importer.removeLayer(path);
      });
    });
  },
};

/** A recorded layer without its directory (reinstall what uses it); one without its compressed blob (information). */
export const recordedLayers: RepairCheck = {
  name: 'directories and blobs of recorded layers',
  async find(ctx) {
    const { store } = ctx;
    const found: Found[] = [];
    for (const layer of store.layers.all()) {
      const path = ctx.layerPath(layer.chainId as Digest);
      if (!(await exists(path))) {
        const images = store.images.usingLayer(layer.id).map(describeImage);
        const detail = `the directory of layer ${layer.chainId} is missing${images.length ? `; used by ${images.join(', ')}` : ''}`;
        found.push(reported({ kind: 'MissingLayer', path: storeRelative(ctx.root, path), digest: layer.chainId, images, action: images.length ? 'Reinstall' : 'None', detail }));
      }
      if (!(await ctx.content.has(layer.blobDigest as Digest))) {
        const detail = `compressed blob of layer ${layer.chainId} not kept`;
        const blob = storeRelative(ctx.root, blobPath(ctx.root, layer.blobDigest as Digest));
        found.push(reported({ kind: 'BlobNotKept', path: blob, digest: layer.blobDigest, images: [], action: 'None', detail }));
      }
    }
    return found;
  },
};

/**
 * A layer directory no row records is garbage: no install runs while Repair holds the delete
 * lease. Without it (only reporting), a layer whose lock a live install holds is that install's
 * work under way, not garbage (the hcs importer imports in place, the dir importer renames into
 * place before the image is recorded).
 */
export const unrecordedLayers: RepairCheck = {
  name: 'layer directories no row records',
  async find(ctx) {
    const recorded = new Set(ctx.store.layers.all().map((l) => l.chainId));
    const dir = storeDir(ctx.root, LAYERS);
    const found: Found[] = [];
    for (const entry of await sorted(dir)) {
      const name = classify(LAYERS, entry);
      if (name?.kind !== 'layer' || recorded.has(name.chainId) || (await isHeld(layerLockPath(ctx.root, name.chainId)))) continue;
      const path = join(dir, entry);
      const detail = 'a layer directory no layer row records';
      found.push(deletable({ kind: 'UnrecordedLayer', path: storeRelative(ctx.root, path), digest: name.chainId, detail }, () => ctx.importer.removeLayer(path)));
    }
    return found;
  },
};
