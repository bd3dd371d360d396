/**
 * A `docker save` archive as an ImageSource, read in place (tar-index.ts). Its `manifest.json`
 * lists the images: `[{Config, RepoTags, Layers}]`, the config a JSON file and each layer a tar
 * file named by path. Docker 20.10 writes `<hex>.json` and `<v1 id>/layer.tar`, a layer that
 * repeats an earlier one as a symlink to it (image/tarexport/save.go); skopeo's docker-archive
 * writes `<hex>.tar` files and the same manifest.json; docker 25 and later write the files as
 * `blobs/sha256/<hex>` of an OCI layout beside manifest.json. All are read through manifest.json,
 * as `docker load` reads them.
 *
 * A docker-save archive has no manifest, so one is made: a Docker schema-2 manifest naming the
 * config by its digest and each layer tar by the digest of its file. A tar that is not
 * compressed (what docker writes) is named by its diff id, which is that digest when the file is
 * right, and checked as every blob is: the file's bytes are verified at EOF, the install checks
 * the diff id again. A compressed layer file is hashed once, when the image is resolved. The
 * manifest's bytes are the same on every read of the same archive, so an image installed from it
 * is found installed the next time.
 *
 * Trust: the config is checked against the sha256 its name carries; every name manifest.json
 * gives is cleaned and looked up in the archive's own names; a config is never read through a
 * link, a layer only through a symlink to another file of the archive (docker's repeated layer).
 */
import type { Readable } from 'node:stream';
import { CtrimgError, failed, notFound, usage } from '../errors.js';
import { isDigest, sha256, sha256Of, type Digest } from '../image/digest.js';
import { parseImageConfig, type Descriptor } from '../image/manifest.js';
import { DOCKER_MANIFEST } from '../image/mediatypes.js';
import type { PlatformChoice } from '../image/platform.js';
import { formatReference, parseReference, type Reference } from '../image/reference.js';
import { imageDisplay, MAX_CONFIG_BYTES, selectImage, verifiedFetch, type BlobFetch, type HeldImage, type ImageName, type ImageSource, type ResolvedImage } from '../image/source.js';
import { archiveBaseName, TarIndex, type ArchiveEntry } from './tar-index.js';

export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** manifest.json's cap: a few hundred bytes an image. */
const MAX_MANIFEST_JSON = 4 * 1024 * 1024;
/** Docker's default registry and the repository prefix of its official images (a RepoTag `busybox:1`). */
const DOCKER_HUB = 'docker.io';

/** One image of manifest.json, as checked. */
export interface DockerSaveItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

export interface DockerArchiveOptions {
  /** The repository key images from here are recorded under; default: the RepoTag chosen, else none (an empty key, docker's `<none>`). */
  repository?: string;
  /** The archive indexed already (by whoever found it to be docker's). */
  index?: TarIndex;
}

export class DockerArchive implements ImageSource {
  private readonly location: string;
  readonly repository: string;
  private index?: TarIndex;
  private items: DockerSaveItem[] = [];
  /** The layer files of the images resolved, by the digest their manifest gives them. */
  private readonly layers = new Map<Digest, ArchiveEntry>();
  /** The configs of the images resolved, by digest, checked. */
  private readonly configs = new Map<Digest, Buffer>();
  /** Compressed layer files hashed, by name: each once. */
  private readonly hashed = new Map<string, Digest>();

  constructor(
    private readonly file: string,
    private readonly opts: DockerArchiveOptions = {},
  ) {
    this.location = `docker-archive:${file}`;
    this.repository = opts.repository ?? archiveBaseName(file);
    this.index = opts.index;
  }

  /** Indexes the archive and reads its manifest.json. */
  async ready(): Promise<void> {
    this.index ??= await TarIndex.open(this.file, this.location);
    const entry = this.tar().file('manifest.json', (why) => this.invalid(why));
    if (!entry) throw this.invalid('it has no manifest.json');
    this.items = parseDockerManifest(await this.tar().read(entry, MAX_MANIFEST_JSON, `${this.location}: manifest.json`), (why) => this.invalid(why));
  }

  /**
   * By `repo:tag` (one of an image's RepoTags, compared as references: `busybox` is
   * `docker.io/library/busybox:latest`), by position in manifest.json, by digest (the manifest
   * made for it, or its config's: docker's image id), or, with none, the only image.
   */
  async resolve(name: ImageName, platform: PlatformChoice): Promise<ResolvedImage> {
    const display = imageDisplay(this.location, name);
    const { item, repoTag } = await this.choose(name, display);
    const image = await selectImage(await this.manifestOf(item, display), () => this.noIndex(display), platform, display);
    const ref = repoTag === undefined ? undefined : normalized(repoTag);
    // An image saved without a name (docker save by id) is loaded under none, as docker loads it: `<none>`.
    const repository = this.opts.repository ?? (ref ? `${ref.registry}/${ref.repository}` : '');
    return { ...image, repository, ...(ref?.tag !== undefined && { tag: ref.tag }) };
  }

  async config(image: ResolvedImage): Promise<Buffer> {
    const bytes = this.configs.get(image.manifest.config.digest);
    if (!bytes) throw new Error(`DockerArchive: config of ${image.display} asked for before it was resolved`);
    return bytes;
  }

  /** A layer file's bytes, verified from offset 0 against the digest the manifest made gives it. */
  blob(desc: Descriptor): BlobFetch {
    const what = `layer ${desc.digest} of ${this.location}`;
    return verifiedFetch(what, desc, async (offset): Promise<Readable> => {
      const entry = this.layers.get(desc.digest);
      if (!entry) throw notFound(`${this.location}: no layer ${desc.digest}`, { code: 'BLOB_UNKNOWN' });
      return this.tar().stream(entry, offset);
    });
  }

  /** The archive names no base images (its configs carry no annotations): there is none to serve. */
  async base(_ref: Reference): Promise<ImageSource | undefined> {
    return undefined;
  }

  /** manifest.json's images, each with its RepoTags. */
  async contents(): Promise<HeldImage[]> {
    return this.items.map((item, position) => ({ position, names: [...item.RepoTags] }));
  }

  private async choose(name: ImageName, display: string): Promise<{ item: DockerSaveItem; repoTag?: string }> {
    const items = this.items;
    if (items.length === 0) throw notFound(`${display}: the archive holds no image`, { code: 'ARCHIVE_UNKNOWN' });
    if (name.digest) {
      for (const item of items) {
        if ((await this.manifestOf(item, display)).digest === name.digest || this.configDigestOf(item) === name.digest) return { item, repoTag: item.RepoTags[0] };
      }
      throw notFound(`${display}: the archive has no image of that digest`, { code: 'ARCHIVE_UNKNOWN' });
    }
    if (name.position !== undefined) {
      const item = items[name.position];
      if (!item) throw notFound(`${display}: the archive holds ${items.length} image(s), there is none at position ${name.position}`, { code: 'ARCHIVE_UNKNOWN' });
      return { item, repoTag: item.RepoTags[0] };
    }
    if (name.tag !== undefined) {
      const wanted = normalized(name.tag);
      const key = wanted ? formatReference(wanted) : name.tag;
      for (const item of items) {
        const repoTag = item.RepoTags.find((t) => t === name.tag || (normalized(t) && formatReference(normalized(t)!) === key));
        if (repoTag !== undefined) return { item, repoTag };
      }
      throw notFound(`${display}: the archive has no image tagged '${name.tag}' (it has ${tagsOf(items)})`, { code: 'ARCHIVE_UNKNOWN' });
    }
    if (items.length > 1) throw usage(`${display}: the archive holds ${items.length} images (${tagsOf(items)}); name one`);
    return { item: items[0]!, repoTag: items[0]!.RepoTags[0] };
  }

  /**
   * The Docker schema-2 manifest of an item: its config read and checked against the digest its
   * name carries, its layers named by digest (found as the top of this file says), each layer
   * file remembered for blob().
   */
  private async manifestOf(item: DockerSaveItem, display: string) {
    const tar = this.tar();
    const configEntry = tar.file(item.Config, (why) => this.invalid(why));
    if (!configEntry) throw this.invalid(`manifest.json names the config ${item.Config}, which it does not hold`);
    const configBytes = await tar.read(configEntry, MAX_CONFIG_BYTES, `config ${item.Config} of ${this.location}`);
    const configDigest = sha256(configBytes);
    const named = this.configDigestOf(item);
    if (named !== undefined && named !== configDigest) {
      throw failed(`${display}: config ${item.Config} holds content of digest ${configDigest}, not the one its name gives`, { code: 'DIGEST_MISMATCH' });
    }
    const { diffIds } = parseImageConfig(configBytes);
    if (diffIds.length !== item.Layers.length) {
      throw this.invalid(`manifest.json lists ${item.Layers.length} layers for ${item.Config}, whose config lists ${diffIds.length} diff ids`);
    }
    const layers: Descriptor[] = [];
    for (const [i, path] of item.Layers.entries()) {
      const entry = tar.file(path, (why) => this.invalid(why), { followLinks: true });
      if (!entry) throw this.invalid(`manifest.json names the layer ${path}, which it does not hold`);
      const compression = await this.compressionOf(entry);
      const digest = compression === undefined ? diffIds[i]! : await this.hashOf(entry);
      const mediaType = compression === undefined ? DOCKER_LAYER : compression === 'gzip' ? DOCKER_LAYER_GZIP : OCI_LAYER_ZSTD;
      layers.push({ mediaType, size: entry.size, digest });
      this.layers.set(digest, entry);
    }
    this.configs.set(configDigest, configBytes);
    // Field order as Docker's schema-2 manifests have it.
    const manifest = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: DOCKER_CONFIG, size: configBytes.length, digest: configDigest },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    return { digest: sha256(bytes), mediaType: DOCKER_MANIFEST, bytes };
  }

  /** The digest a config's name carries: `<hex>.json` (docker 20.10, skopeo) or `blobs/sha256/<hex>` (docker 25). */
  private configDigestOf(item: DockerSaveItem): Digest | undefined {
    const m = /(?:^|\/)(?:([a-f0-9]{64})\.json|blobs\/sha256\/([a-f0-9]{64}))$/.exec(item.Config);
    const d = m && `sha256:${m[1] ?? m[2]}`;
    return d && isDigest(d) ? d : undefined;
  }

  /** gzip or zstd by the file's first bytes, as layers/decompress.ts tells them; undefined for a plain tar. */
  private async compressionOf(entry: ArchiveEntry): Promise<'gzip' | 'zstd' | undefined> {
    const head = await this.tar().head(entry, 4);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
    return undefined;
  }

  private async hashOf(entry: ArchiveEntry): Promise<Digest> {
    let digest = this.hashed.get(entry.name);
    if (!digest) {
      digest = await sha256Of(await this.tar().stream(entry));
      this.hashed.set(entry.name, digest);
    }
    return digest;
  }

  private noIndex(display: string): never {
    throw new Error(`${display}: a manifest made from docker's manifest.json is never an index`);
  }

  private tar(): TarIndex {
    if (this.index === undefined) throw new Error('DockerArchive: ready() was not called');
    return this.index;
  }

  private invalid(why: string): CtrimgError {
    return failed(`${this.location} is not a valid docker-save archive: ${why}`, {
      code: 'ARCHIVE_INVALID',
      hint: 'write the archive again; nothing was installed from it',
    });
  }
}

/** manifest.json checked: an array of images, each with a Config, its Layers and RepoTags (null as none). */
export function parseDockerManifest(bytes: Buffer, invalid: (why: string) => Error): DockerSaveItem[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('manifest.json is not JSON');
  }
  if (!Array.isArray(json)) throw invalid('manifest.json is not a list of images');
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return json.map((item: unknown, i) => {
    const o = item as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o.Config !== 'string' || !strings(o.Layers) || !(o.RepoTags == null || strings(o.RepoTags))) {
      throw invalid(`manifest.json's image ${i} is not {Config, RepoTags, Layers}`);
    }
    const repoTags = (o.RepoTags as string[] | null) ?? [];
    // As docker load: a RepoTag names a tag (NamedTagged), never a bare name or a digest.
    const bad = repoTags.find((t) => !isNameAndTag(t));
    if (bad !== undefined) throw invalid(`manifest.json's image ${i} has RepoTag '${bad.slice(0, 200)}', which is not NAME:TAG`);
    return { Config: o.Config, Layers: o.Layers as string[], RepoTags: repoTags };
  });
}

function isNameAndTag(repoTag: string): boolean {
  try {
    const ref = parseReference(repoTag, DOCKER_HUB);
    return ref.tag !== undefined && ref.digest === undefined;
  } catch {
    return false;
  }
}

/**
 * A RepoTag as docker reads it: a name without a registry is on Docker Hub, an official image's
 * under `library/`, and without a tag it is `latest`. Undefined when it is not a reference.
 */
function normalized(repoTag: string): Reference | undefined {
  try {
    const ref = parseReference(repoTag, DOCKER_HUB);
    if (ref.registry === DOCKER_HUB && !ref.repository.includes('/')) ref.repository = `library/${ref.repository}`;
    ref.tag ??= 'latest';
    return ref;
  } catch {
    return undefined;
  }
}

function tagsOf(items: DockerSaveItem[]): string {
  return items.map((item, i) => item.RepoTags.join(', ') || `untagged image ${i}`).join('; ');
}
