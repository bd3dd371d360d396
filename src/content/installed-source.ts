/**
 * The content store as an ImageSource, for Save: an installed image read back from the blobs
 * its install committed (its manifest, its config and, unless they were deleted once imported,
 * its layer blobs). The store keeps neither tags nor the index an image was chosen from, only
 * the platform's manifest, so an image is named here by its manifest digest (ops finds it in the
 * database) and resolves to that manifest, with its own annotations.
 *
 * The store's blobs were verified when they were committed, and are verified again as they are
 * read (BlobFetch's contract in image/source.ts): a file changed on disk since is not handed on.
 */
import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { failed, notFound, usage } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import type { PlatformChoice } from '../image/platform.js';
import type { Reference } from '../image/reference.js';
import { checkBlob, imageDisplay, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, selectImage, verifiedFetch, type BlobFetch, type ImageName, type ImageSource, type ManifestBytes, type ResolvedImage } from '../image/source.js';
import type { ContentStore } from './store.js';

export class InstalledSource implements ImageSource {
  /** `repository`: the key the image is recorded under (its record's), kept by what is made from it. */
  constructor(
    private readonly content: ContentStore,
    readonly repository: string,
  ) {}

  /** The store was opened, and checked, with the context. */
  async ready(): Promise<void> {}

  /** By manifest digest only; the platform chooses only when that digest is an index's. */
  async resolve(name: ImageName, platform: PlatformChoice): Promise<ResolvedImage> {
    const display = `installed ${imageDisplay(this.repository, name)}`;
    if (!name.digest) throw usage(`${display}: an installed image is named by its manifest digest, the store keeps no tags`);
    return selectImage(await this.manifest(name.digest, display), (digest) => this.manifest(digest, display), platform, display);
  }

  async config(image: ResolvedImage): Promise<Buffer> {
    const desc = image.manifest.config;
    const what = `config of ${image.display}`;
    if (desc.size > MAX_CONFIG_BYTES) throw failed(`${what} is larger than ${MAX_CONFIG_BYTES} bytes`, { code: 'BLOB_TOO_LARGE' });
    const bytes = await this.read(desc.digest, () => missing(what, desc.digest));
    checkBlob(what, desc, bytes);
    return bytes;
  }

  /** The blob's file from `offset` on, opened before this resolves, so a blob the store lacks fails here. */
  blob(desc: Descriptor): BlobFetch {
    const what = `blob ${desc.digest} of ${this.repository} in the store`;
    const raw: BlobFetch = async (offset) => {
      const fh = await open(this.content.path(desc.digest), 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw missing(this.repository, desc.digest);
        throw err;
      });
      return fh.createReadStream({ start: offset }) as Readable;
    };
    return verifiedFetch(what, desc, raw);
  }

  /** A base the store holds the manifest of is read from here, under the base's own repository. */
  async base(ref: Reference): Promise<ImageSource | undefined> {
    if (!ref.digest || !(await this.content.has(ref.digest))) return undefined;
    return new InstalledSource(this.content, `${ref.registry}/${ref.repository}`);
  }

  /** A manifest by digest: its size unknown, so the cap bounds it; its own mediaType labels it. */
  private async manifest(digest: Digest, display: string): Promise<ManifestBytes> {
    const bytes = await this.read(digest, () => notFound(`${display}: the store holds no such manifest`, { code: 'MANIFEST_UNKNOWN' }));
    const what = `manifest ${digest} in the store`;
    if (bytes.length > MAX_MANIFEST_BYTES) throw failed(`${what} is larger than ${MAX_MANIFEST_BYTES} bytes`, { code: 'BLOB_TOO_LARGE' });
    checkBlob(what, { digest, size: bytes.length }, bytes);
    return { digest, mediaType: '', bytes };
  }

  private async read(digest: Digest, absent: () => Error): Promise<Buffer> {
    return readFile(this.content.path(digest)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw absent();
      throw err;
    });
  }
}

/** A blob an installed image names that the store does not hold: its layer blobs were deleted once imported, or the store lost it. */
function missing(what: string, digest: Digest) {
  return notFound(`${what}: blob ${digest} is not in the store (its image was installed with its layer blobs deleted once imported, or the store lost it)`, {
    code: 'BLOB_NOT_STORED',
    hint: 'remove the image and install it again, keeping its layer blobs',
  });
}
