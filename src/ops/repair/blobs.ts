/** Blobs: every one rehashed (streamed); the manifest and config of every image present. */
import { join } from 'node:path';
import { BLOBS, blobPath, storeDir, storeRelative } from '../../content/layout.js';
import { removeInside } from '../../content/root.js';
import { sha256Of, type Digest } from '../../image/digest.js';
import { describeImage } from '../images.js';
import { deletable, reported, type Found, type RepairCheck } from './check.js';

/** A blob whose bytes are not what its name says, or that nothing names, is deleted. */
export const blobs: RepairCheck = {
  name: 'blob contents and references',
  async find(ctx) {
    const { root } = ctx;
    const found: Found[] = [];
    for (const entry of await ctx.content.strays()) {
      const path = join(storeDir(root, BLOBS), entry);
      found.push(deletable({ kind: 'CorruptBlob', path: storeRelative(root, path), digest: null, detail: 'not a sha256 digest' }, () => removeInside(root, path)));
    }
    const referenced = ctx.store.referencedBlobs();
    await ctx.content.walk(async ({ digest }) => {
      const path = storeRelative(root, blobPath(root, digest));
      const remove = () => removeInside(root, blobPath(root, digest));
      const actual = await sha256Of(ctx.content.open(digest));
      if (actual !== digest) {
        found.push(deletable({ kind: 'CorruptBlob', path, digest, detail: `content hashes to ${actual}` }, remove));
      } else if (!referenced.has(digest)) {
        found.push(deletable({ kind: 'UnreferencedBlob', path, digest, detail: 'no image or layer names it' }, remove));
      }
    });
    return found;
  },
};

/** An image without its manifest or config cannot be mended here: remove and reinstall it. */
export const imageBlobs: RepairCheck = {
  name: 'manifests and configs of images',
  async find(ctx) {
    const found: Found[] = [];
    for (const img of ctx.store.images.all()) {
      for (const [what, digest] of [['manifest', img.manifestDigest], ['config', img.configDigest]] as const) {
        if (await ctx.content.has(digest as Digest)) continue;
        const image = describeImage(img);
        const path = storeRelative(ctx.root, blobPath(ctx.root, digest as Digest));
        found.push(reported({ kind: 'MissingBlob', path, digest, images: [image], action: 'Reinstall', detail: `the ${what} of ${image} is missing` }));
      }
    }
    return found;
  },
};
