/**
 * A docker-save archive as an ImageSink, as `docker save` (20.10) writes one and `docker load`
 * reads it: `<config hex>.json`, one directory per layer of each image named by its v1 id with
 * `layer.tar` (the layer UNCOMPRESSED: docker's layers are the diffs themselves), `VERSION` and
 * `json` (docker-v1.ts), a layer that repeats an earlier one as a symlink to it, `manifest.json`
 * (`[{Config, RepoTags, Layers}]`) and `repositories`.
 *
 * Each layer blob is checked against its digest and size as it is read, decompressed on the way
 * (layers/decompress.ts) into the archive, and its diff id computed; a layer's directory is
 * named by an id that only the image's config and its place in the image decide, known once
 * the manifest is written, so its tar entry is written under a placeholder name of the same
 * length and named in place by close() (tar-file.ts), which checks each diff id against the
 * config first. The archive is made beside its target and renamed into place then; discard()
 * leaves nothing behind. Writes are taken one at a time, as a tar is written in order.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { failed } from '../errors.js';
import { DigestStream, digestHex, Sha256, type Digest } from '../image/digest.js';
import { parseImageConfig, parseManifest, type Descriptor } from '../image/manifest.js';
import { parseReference } from '../image/reference.js';
import { checkBlob, isWrongBytes, type BlobFetch, type ImageSink } from '../image/source.js';
import { VerifyStream } from '../image/verify.js';
import { decompressChunks } from '../layers/decompress.js';
import { goJson, repositoriesJson, v1Layers } from './docker-v1.js';
import { abortable } from './oci-archive-writer.js';
import { TarFile, type PendingEntry, type TarFileOptions } from './tar-file.js';

/** What a layer's tar entry is written under until close() names it: `<v1 id>/layer.tar`'s length. */
const UNNAMED = `${'0'.repeat(64)}/layer.tar`;

interface WrittenLayer {
  entry: PendingEntry;
  size: number;
  diffId: Digest;
  /** The name close() gave it, once it has. */
  name?: string;
}

interface NamedImage {
  configDigest: Digest;
  layers: Digest[];
  /** `repo:tag` as given to writeManifest. */
  repoTag?: string;
}

export class DockerArchiveWriter implements ImageSink {
  /** Layer blobs written, by blob digest. */
  private readonly layers = new Map<Digest, WrittenLayer>();
  private readonly configs = new Map<Digest, Buffer>();
  private readonly images: NamedImage[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly tar: TarFile) {}

  /** Starts the archive for `file`; ARCHIVE_EXISTS when a file is there, unless overwriting. */
  static async create(file: string, opts: TarFileOptions = {}): Promise<DockerArchiveWriter> {
    return new DockerArchiveWriter(await TarFile.create(file, opts));
  }

  async has(digest: Digest): Promise<boolean> {
    return this.layers.has(digest) || this.configs.has(digest);
  }

  /** A layer: checked against `desc` as read, written decompressed; again from the next server when its bytes were wrong and `fetch` has one. */
  writeBlob(desc: Descriptor, fetch: BlobFetch, signal?: AbortSignal): Promise<void> {
    return this.serially(async () => {
      if (this.layers.has(desc.digest)) return;
      for (;;) {
        const verify = new VerifyStream(`blob ${desc.digest}`, desc.digest, desc.size);
        try {
          this.layers.set(desc.digest, await this.layerEntry(pipeline(await fetch(0, { callerVerifies: true }), verify, () => {}), signal));
          return;
        } catch (err) {
          if (!(isWrongBytes(err) && fetch.rejected?.(err))) throw err;
        }
      }
    });
  }

  /** A layer whose digest is learned as it is read (hashed on the way, compressed as given). */
  writeStream(bytes: Readable, opts: { mediaType: string; signal?: AbortSignal }): Promise<Descriptor> {
    return this.serially(async () => {
      const hash = new DigestStream();
      const start = this.tar.position;
      const layer = await this.layerEntry(pipeline(bytes, hash, () => {}), opts.signal);
      const digest = hash.digest();
      if (this.layers.has(digest)) await this.tar.rewind(start);
      else this.layers.set(digest, layer);
      return { mediaType: opts.mediaType, digest, size: hash.bytes };
    });
  }

  /** The config, as `<hex>.json`. */
  async writeConfig(desc: Descriptor, bytes: Buffer): Promise<void> {
    checkBlob(`config ${desc.digest}`, desc, bytes);
    return this.serially(async () => {
      if (this.configs.has(desc.digest)) return;
      parseImageConfig(bytes);
      await this.tar.addFile(`${digestHex(desc.digest)}.json`, bytes);
      this.configs.set(desc.digest, bytes);
    });
  }

  /**
   * Records the image a manifest describes, under `name` (`repository:tag`) when given: an entry
   * of manifest.json, written with the rest by close(). The manifest itself has no place in the format.
   */
  async writeManifest(desc: Descriptor, bytes: Buffer, name?: string): Promise<void> {
    checkBlob(`manifest ${desc.digest}`, desc, bytes);
    const manifest = parseManifest(bytes, desc.mediaType);
    if (manifest.kind !== 'manifest') throw failed(`manifest ${desc.digest} is an index; a docker-save archive holds images only`, { code: 'MANIFEST_INVALID' });
    return this.serially(async () => {
      this.images.push({ configDigest: manifest.config.digest, layers: manifest.layers.map((l) => l.digest), ...(name !== undefined && { repoTag: name }) });
    });
  }

  /**
   * Names every layer entry by its v1 id, checking its diff id against its image's config, and
   * writes the v1 metadata, manifest.json, repositories and the archive's end; then renames the
   * archive into place.
   */
  close(): Promise<void> {
    return this.serially(async () => {
      try {
        const items: unknown[] = [];
        const tags: { repository: string; tag: string; topId: string }[] = [];
        const metadataWritten = new Set<string>();
        for (const image of this.images) {
          const config = this.configs.get(image.configDigest);
          if (!config) throw new Error(`docker archive: the config ${image.configDigest} of a manifest was not written`);
          const { diffIds } = parseImageConfig(config);
          if (diffIds.length !== image.layers.length) {
            throw failed(`image ${image.configDigest}: its manifest lists ${image.layers.length} layers, its config ${diffIds.length} diff ids`, { code: 'MANIFEST_INVALID' });
          }
          const v1 = v1Layers(config);
          const paths: string[] = [];
          for (const [i, digest] of image.layers.entries()) {
            const layer = this.layers.get(digest);
            if (!layer) throw new Error(`docker archive: layer ${digest} of a manifest was not written`);
            if (layer.diffId !== diffIds[i]) {
              throw failed(`layer ${digest}: uncompressed content is ${layer.diffId}, the config says ${diffIds[i]}`, { code: 'DIFF_ID_MISMATCH' });
            }
            const path = `${v1[i]!.id}/layer.tar`;
            paths.push(path);
            if (metadataWritten.has(v1[i]!.id)) continue;
            metadataWritten.add(v1[i]!.id);
            if (layer.name === undefined) {
              layer.name = path;
              await this.tar.settle(layer.entry, path, layer.size);
            } else {
              // As docker writes a layer it has written already: a symlink to the first.
              await this.tar.addSymlink(path, `../${layer.name}`);
            }
            await this.tar.addFile(`${v1[i]!.id}/VERSION`, Buffer.from('1.0'));
            await this.tar.addFile(`${v1[i]!.id}/json`, v1[i]!.json);
          }
          const repoTag = image.repoTag === undefined ? undefined : familiar(image.repoTag);
          if (repoTag) tags.push({ ...repoTag, topId: v1.at(-1)!.id });
          items.push({ Config: `${digestHex(image.configDigest)}.json`, RepoTags: repoTag ? [`${repoTag.repository}:${repoTag.tag}`] : null, Layers: paths });
        }
        await this.tar.addFile('manifest.json', Buffer.from(`${goJson(items)}\n`));
        if (tags.length > 0) await this.tar.addFile('repositories', repositoriesJson(tags));
        await this.tar.finish();
      } finally {
        await this.tar.discard();
      }
    });
  }

  /** Nothing of the archive is left. */
  discard(): Promise<void> {
    return this.queue.then(
      () => this.tar.discard(),
      () => this.tar.discard(),
    );
  }

  /** The layer's bytes decompressed into an entry named later, its diff id computed on the way; nothing of it stays on failure. */
  private async layerEntry(compressed: Readable, signal?: AbortSignal): Promise<WrittenLayer> {
    const start = this.tar.position;
    const diff = new Sha256();
    try {
      const { entry, size } = await this.tar.addUnsized(UNNAMED, hashed(decompressChunks(compressed), diff, signal));
      return { entry, size, diffId: diff.digest() };
    } catch (err) {
      compressed.destroy();
      await this.tar.rewind(start);
      throw err;
    }
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

/** Chunks on their way, hashed for the diff id; stopped when `signal` fires. */
async function* hashed(chunks: AsyncIterable<Buffer>, diff: Sha256, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of abortable(chunks, signal)) {
    diff.update(chunk);
    yield chunk;
  }
}

/**
 * A `repository:tag` as docker writes it in RepoTags and repositories (reference.FamiliarString):
 * Docker Hub's host, and `library/` of its official images, left out.
 */
function familiar(repoTag: string): { repository: string; tag: string } {
  const ref = parseReference(repoTag, 'docker.io');
  let repository = `${ref.registry}/${ref.repository}`;
  if (ref.registry === 'docker.io') repository = ref.repository.replace(/^library\/(?!.*\/)/, '');
  return { repository, tag: ref.tag ?? 'latest' };
}
