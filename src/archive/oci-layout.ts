/**
 * An OCI image layout as an ImageSource (image-spec image-layout.md): `oci-layout` names the
 * layout version, `index.json` lists what it holds, each entry named by its
 * `org.opencontainers.image.ref.name` annotation, and `blobs/sha256/<hex>` holds the content.
 * The layout is a directory or a tar archive of one (`skopeo copy ... oci-archive:`), read
 * through LayoutFiles (layout-files.ts) alike. `skopeo copy --all` writes an index.json entry
 * that is itself an image index; the platform's manifest is chosen from it as from a registry's.
 *
 * The layout is not trusted more than a registry: every blob is verified against the digest
 * that named it (at EOF, unless the caller hashes every byte itself: callerVerifies), a digest
 * is checked before a name is made of it, files are read only when they are regular files,
 * never through a symlink, the `blobs` directories must not be symlinks (so nothing is read
 * from outside the layout), and JSON files are read with a cap.
 */
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { CtrimgError, failed, notFound, usage } from '../errors.js';
import { digestHex, isDigest, type Digest } from '../image/digest.js';
import { parseManifest, type Descriptor } from '../image/manifest.js';
import { selectManifest, type Choice, type PlatformChoice } from '../image/platform.js';
import type { Reference } from '../image/reference.js';
import { checkBlob, imageDisplay, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, selectImage, type BlobFetch, type HeldImage, type ImageName, type ImageSource, type ManifestBytes, type ResolvedImage } from '../image/source.js';
import { VerifyStream } from '../image/verify.js';
import { LayoutDirectory, type LayoutFiles } from './layout-files.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
/** The layout versions read: 1.x, as skopeo, umoci and containerd write them. */
const VERSION_RE = /^1\.\d+\.\d+$/;
const MAX_LAYOUT_FILE = 64 * 1024;
/** index.json's cap, for the reader and the writer alike. */
export const MAX_INDEX = 4 * 1024 * 1024;

export interface LayoutOptions {
  /** The repository key images from here are recorded under; default: the directory's (the archive's) name. */
  repository?: string;
}

export class OciLayout implements ImageSource {
  /** Where it is, as messages show it. */
  private readonly location: string;
  readonly repository: string;
  private readonly files: LayoutFiles;

  /** `layout`: a layout directory's path, or the files of a layout (an archive's). */
  constructor(layout: string | LayoutFiles, opts: LayoutOptions = {}) {
    this.files = typeof layout === 'string' ? new LayoutDirectory(layout) : layout;
    this.location = this.files.location;
    this.repository = opts.repository ?? this.files.defaultRepository;
  }

  /** Checks `oci-layout` names a version this reads, and that the blob directories are directories here. */
  async ready(): Promise<void> {
    await this.files.ready();
    const marker = await this.readJson('oci-layout', MAX_LAYOUT_FILE);
    const version = (marker as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
    if (typeof version !== 'string' || !VERSION_RE.test(version)) {
      throw this.invalid(`oci-layout names version ${JSON.stringify(version)?.slice(0, 40)}, only 1.x is read`);
    }
    for (const d of ['blobs', 'blobs/sha256']) {
      if (!(await this.files.isDirectory(d))) throw this.invalid(`${d} is not a directory`);
    }
  }

  /**
   * By digest: that manifest or index, if the layout holds it. By name: the index.json entries
   * with that ref name; several of them (one per platform, as containerd exports) are chosen
   * from like an index's. By position: that entry of index.json. With none, the layout's only
   * entry. The ref name of the entry taken is the image's tag.
   */
  async resolve(name: ImageName, platform: PlatformChoice): Promise<ResolvedImage> {
    const display = imageDisplay(this.location, name);
    let top: ManifestBytes;
    let layoutChoice: Choice | undefined;
    let tag: string | undefined;
    if (name.digest) {
      top = await this.manifestByDigest(name.digest, display);
    } else {
      const all = await this.entries();
      if (name.position !== undefined && !all[name.position]) {
        throw notFound(`${display}: the layout lists ${all.length} image(s), there is none at position ${name.position}`, { code: 'MANIFEST_UNKNOWN' });
      }
      const entries = name.position !== undefined ? [all[name.position]!] : all.filter((e) => name.tag === undefined || e.annotations?.[REF_NAME] === name.tag);
      if (entries.length === 0) {
        throw notFound(`${display}: the layout has no image ${name.tag === undefined ? 'at all' : `named '${name.tag}'`}`, { code: 'MANIFEST_UNKNOWN' });
      }
      const named = new Set(entries.map((e) => e.annotations?.[REF_NAME]));
      if (name.tag === undefined && named.size > 1) {
        throw usage(`${display}: the layout holds several images (${[...named].map((n) => n ?? '(unnamed)').join(', ')}); name one`);
      }
      layoutChoice = entries.length === 1 ? undefined : selectManifest(entries, platform, display);
      const entry = layoutChoice?.entry ?? entries[0]!;
      tag = entry.annotations?.[REF_NAME];
      top = await this.manifest(entry);
    }
    const resolved = await selectImage(top, (digest) => this.manifestByDigest(digest, display), platform, display);
    // An entry of index.json chosen for the platform is what -WhatIf explains, unless it led to an index.
    return { ...resolved, ...(layoutChoice && !resolved.chosen && { chosen: layoutChoice }), ...(tag !== undefined && { tag }) };
  }

  config(image: ResolvedImage): Promise<Buffer> {
    return this.readBlob(image.manifest.config, MAX_CONFIG_BYTES, `config of ${image.display}`);
  }

  /**
   * The whole file is hashed on every read, from whatever offset, so the bytes served are always
   * verified at EOF; unless the caller verifies them itself.
   */
  blob(desc: Descriptor): BlobFetch {
    return async (offset, opts) => {
      if (opts?.callerVerifies) return this.openBlob(desc.digest, offset);
      const verify = new VerifyStream(`blob ${this.location}@${desc.digest}`, desc.digest, desc.size);
      return pipeline(await this.openBlob(desc.digest, 0), verify, skip(offset), () => {});
    };
  }

  /** A base this layout holds by digest is read from here, recorded under the base's own repository. */
  async base(ref: Reference): Promise<ImageSource | undefined> {
    if (!ref.digest || !(await this.holds(ref.digest))) return undefined;
    return new OciLayout(this.files, { repository: `${ref.registry}/${ref.repository}` });
  }

  /** index.json's entries, each named by its ref name when it has one. */
  async contents(): Promise<HeldImage[]> {
    return (await this.entries()).map((e, position) => ({ position, names: e.annotations?.[REF_NAME] ? [e.annotations[REF_NAME]] : [] }));
  }

  private async entries(): Promise<Descriptor[]> {
    const index = parseManifest(await this.readFile('index.json', MAX_INDEX));
    if (index.kind !== 'index') throw this.invalid('index.json is not an image index');
    return index.manifests;
  }

  private async manifest(desc: Descriptor): Promise<ManifestBytes> {
    const bytes = await this.readBlob(desc, MAX_MANIFEST_BYTES, `manifest ${this.location}@${desc.digest}`);
    return { digest: desc.digest, mediaType: desc.mediaType, bytes };
  }

  /** A manifest named only by its digest: size unknown, so the cap bounds it; its own mediaType labels it. */
  private async manifestByDigest(digest: Digest, display: string): Promise<ManifestBytes> {
    if (!(await this.holds(digest))) throw notFound(`${display}: manifest unknown`, { code: 'MANIFEST_UNKNOWN' });
    const what = `manifest ${this.location}@${digest}`;
    const bytes = await this.readBlobFile(digest, MAX_MANIFEST_BYTES, what);
    checkBlob(what, { digest, size: bytes.length }, bytes);
    return { digest, mediaType: '', bytes };
  }

  private async readBlob(desc: Pick<Descriptor, 'digest' | 'size'>, max: number, what: string): Promise<Buffer> {
    if (desc.size > max) throw failed(`${what} is larger than ${max} bytes`, { code: 'BLOB_TOO_LARGE' });
    const bytes = await this.readBlobFile(desc.digest, max, what);
    checkBlob(what, desc, bytes);
    return bytes;
  }

  private async readBlobFile(digest: Digest, max: number, what: string): Promise<Buffer> {
    return (await this.files.read(this.blobName(digest), max, what, (why) => this.invalid(why))) ?? this.noBlob(digest);
  }

  private async holds(digest: Digest): Promise<boolean> {
    return this.files.isFile(this.blobName(digest));
  }

  /** A blob file's bytes from `offset`: only a regular file, never through a symlink. */
  private async openBlob(digest: Digest, offset: number): Promise<Readable> {
    return (await this.files.stream(this.blobName(digest), offset, (why) => this.invalid(why))) ?? this.noBlob(digest);
  }

  private noBlob(digest: Digest): never {
    throw notFound(`blob unknown: ${this.location}@${digest}`, { code: 'BLOB_UNKNOWN' });
  }

  /** `blobs/sha256/<hex>`, the digest checked first: nothing else ever becomes a name. */
  private blobName(digest: string): string {
    if (!isDigest(digest)) throw this.invalid(`'${digest.slice(0, 80)}' is not a sha256 digest`);
    return `blobs/sha256/${digestHex(digest)}`;
  }

  private async readFile(name: string, max: number): Promise<Buffer> {
    const bytes = await this.files.read(name, max, `${this.location}: ${name}`, (why) => this.invalid(why));
    if (bytes === undefined) throw this.invalid(`it has no ${name}`);
    return bytes;
  }

  private async readJson(name: string, max: number): Promise<unknown> {
    try {
      return JSON.parse((await this.readFile(name, max)).toString('utf8'));
    } catch (err) {
      if (err instanceof CtrimgError) throw err;
      throw this.invalid(`${name} is not JSON`);
    }
  }

  private invalid(why: string): CtrimgError {
    return failed(`${this.location} is not a valid OCI image layout: ${why}`, { code: 'LAYOUT_INVALID' });
  }
}

/** Drops the first `n` bytes that pass. */
function skip(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return cb();
      }
      const rest = chunk.subarray(left);
      left = 0;
      cb(null, rest);
    },
  });
}
