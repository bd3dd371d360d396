/**
 * An OCI archive as an ImageSink: a tar of an OCI image layout (`oci-layout`, `blobs/sha256/<hex>`,
 * `index.json`), what `skopeo copy ... oci-archive:FILE` writes and reads. Every blob is written
 * exactly as given, each checked against its digest and size as it is written, so every digest
 * is preserved; index.json, naming each manifest written with a name by its
 * `org.opencontainers.image.ref.name`, is written last, by close(). The archive is made beside
 * its target and renamed into place then (tar-file.ts); discard() leaves nothing behind.
 *
 * A tar is written in order, one entry after another: writes are taken one at a time.
 */
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { DigestStream, digestHex, isDigest, type Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import { OCI_INDEX } from '../image/mediatypes.js';
import { checkBlob, isWrongBytes, type BlobFetch, type ImageSink } from '../image/source.js';
import { VerifyStream } from '../image/verify.js';
import { usage } from '../errors.js';
import { REF_NAME } from './oci-layout.js';
import { TarFile, type TarFileOptions } from './tar-file.js';

const LAYOUT_VERSION = '1.0.0';
/** The placeholder a blob hashed on the way is written under until its digest is known. */
const UNHASHED = `blobs/sha256/${'0'.repeat(64)}`;

export class OciArchiveWriter implements ImageSink {
  private readonly written = new Set<Digest>();
  private readonly named: Descriptor[] = [];
  /** The writes so far, one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly tar: TarFile) {}

  /** Starts the archive for `file` (its layout files first); ARCHIVE_EXISTS when a file is there, unless overwriting. */
  static async create(file: string, opts: TarFileOptions = {}): Promise<OciArchiveWriter> {
    const tar = await TarFile.create(file, opts);
    try {
      await tar.addFile('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION })));
      await tar.addDirectory('blobs');
      await tar.addDirectory('blobs/sha256');
    } catch (err) {
      await tar.discard();
      throw err;
    }
    return new OciArchiveWriter(tar);
  }

  async has(digest: Digest): Promise<boolean> {
    return this.written.has(digest);
  }

  /** Checked as written; wrong bytes are written again from the next server when `fetch` has one. */
  writeBlob(desc: Descriptor, fetch: BlobFetch, signal?: AbortSignal): Promise<void> {
    return this.serially(async () => {
      if (this.written.has(desc.digest)) return;
      const start = this.tar.position;
      for (;;) {
        try {
          const verify = new VerifyStream(`blob ${desc.digest}`, desc.digest, desc.size);
          const bytes = pipeline(await fetch(0, { callerVerifies: true }), verify, () => {});
          await this.tar.addSized(blobName(desc.digest), desc.size, abortable(bytes, signal));
          break;
        } catch (err) {
          await this.tar.rewind(start);
          if (!(isWrongBytes(err) && fetch.rejected?.(err))) throw err;
        }
      }
      this.written.add(desc.digest);
    });
  }

  /** Hashed while written under a placeholder name, which then becomes `blobs/sha256/<hex>`; dropped when already written. */
  writeStream(bytes: Readable, opts: { mediaType: string; signal?: AbortSignal }): Promise<Descriptor> {
    return this.serially(async () => {
      const start = this.tar.position;
      const hash = new DigestStream();
      try {
        const { entry, size } = await this.tar.addUnsized(UNHASHED, abortable(pipeline(bytes, hash, () => {}), opts.signal));
        const digest = hash.digest();
        if (this.written.has(digest)) await this.tar.rewind(start);
        else await this.tar.settle(entry, blobName(digest), size);
        this.written.add(digest);
        return { mediaType: opts.mediaType, digest, size };
      } catch (err) {
        await this.tar.rewind(start);
        throw err;
      }
    });
  }

  async writeConfig(desc: Descriptor, bytes: Buffer): Promise<void> {
    checkBlob(`config ${desc.digest}`, desc, bytes);
    return this.serially(() => this.put(desc.digest, bytes));
  }

  /** The manifest blob; with `name`, index.json lists it under that ref name (replacing what had it). */
  async writeManifest(desc: Descriptor, bytes: Buffer, name?: string): Promise<void> {
    checkBlob(`manifest ${desc.digest}`, desc, bytes);
    return this.serially(async () => {
      await this.put(desc.digest, bytes);
      if (name === undefined) return;
      const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { ...desc.annotations, [REF_NAME]: name } };
      if (desc.platform) entry.platform = desc.platform;
      const at = this.named.findIndex((d) => d.annotations?.[REF_NAME] === name);
      if (at >= 0) this.named.splice(at, 1);
      this.named.push(entry);
    });
  }

  /** Writes index.json and the archive's end, and renames the archive into place. */
  close(): Promise<void> {
    return this.serially(async () => {
      try {
        await this.tar.addFile('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: this.named })));
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

  private async put(digest: Digest, bytes: Buffer): Promise<void> {
    if (this.written.has(digest)) return;
    await this.tar.addFile(blobName(digest), bytes);
    this.written.add(digest);
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

function blobName(digest: string): string {
  if (!isDigest(digest)) throw usage(`invalid digest '${String(digest).slice(0, 80)}'`);
  return `blobs/sha256/${digestHex(digest)}`;
}

/** A stream's chunks, stopped with an AbortError when `signal` fires. */
export async function* abortable(stream: AsyncIterable<unknown>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    signal?.throwIfAborted();
    yield chunk as Buffer;
  }
}
