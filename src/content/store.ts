/**
 * Content-addressable blob store under `<root>/blobs/sha256/<hex>`. A blob becomes visible
 * only by an atomic rename after its digest (and size, when known) has been checked; until
 * then its bytes live in `<root>/ingest/`, inside the store so the rename never crosses
 * file systems. Downloads keep their bytes in `ingest/<hex>.partial`, guarded by
 * `ingest/<hex>.lock`, so a later attempt (or another process) continues where one stopped.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { diskFull, failed } from '../errors.js';
import { assertDigest, DigestStream, Sha256, type Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import { checkBlob, isWrongBytes, type BlobFetch, type ImageSink } from '../image/source.js';
import type { ByteReader } from '../layers/decompress.js';
import { appender } from './appender.js';
import { GrowingFile } from './growing-file.js';
import { keepFree } from './free-space.js';
import { BLOBS, blobPath, INGEST, ingestLockPath, ingestTempPath, partialPath, storeDir, streamTempPath } from './layout.js';
import { acquirePidLock, type Release } from './pid-lock.js';
import { removeInside } from './root.js';
import { ingestStatus, strayBlobNames, walkBlobs, type BlobInfo, type ContentStatus } from './walk.js';

/** A blob being fetched into the store, and its bytes for whoever reads them meanwhile. */
export interface BlobFeed {
  /** The whole blob from its first byte, following the download while it runs. */
  open(): ByteReader;
  /** Settles when the download does: resolved once the blob is verified and committed. */
  done: Promise<void>;
  /** How often the download started over from another server after wrong bytes. */
  restarts(): number;
}

interface DownloadOptions {
  size: number;
  signal?: AbortSignal;
  what?: string;
  onProgress?: (bytes: number) => void;
}

export class ContentStore implements ImageSink {
  readonly blobDir: string;
  readonly ingestDir: string;

  /**
   * `root`: the resolved store root (see root.ts); `reserve`: bytes a download must leave free
   * on the store's filesystem (free-space.ts).
   */
  constructor(private readonly root: string, private readonly reserve = 0) {
    this.blobDir = storeDir(root, BLOBS);
    this.ingestDir = storeDir(root, INGEST);
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true, mode: 0o700 });
    await mkdir(this.ingestDir, { recursive: true, mode: 0o700 });
  }

  path(digest: Digest): string {
    return blobPath(this.root, digest);
  }

  async has(digest: Digest): Promise<boolean> {
    return stat(this.path(digest)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Starts fetching a blob into the store (fetchAll, which finds it at once when it is
   * already there) and lets readers follow its bytes as they reach the disk, so a layer can be
   * imported while it downloads. A reader's bytes are not verified until `done` resolves: a
   * consumer commits nothing it made from them before that. When the download starts over from
   * another server, the readers following the wrong bytes fail, and `restarts()` tells their
   * owner so.
   */
  feed(expected: Digest, fetch: BlobFetch, opts: DownloadOptions): BlobFeed {
    const file = new GrowingFile();
    const done = this.fetchAll(expected, fetch, opts, file).then(
      () => file.commit(this.path(expected)),
      (err: unknown) => {
        file.fail(err);
        throw err;
      },
    );
    done.catch(() => {}); // the owner awaits it; readers hear of the failure through their stream
    return { open: () => file.follow(), done, restarts: () => file.restarts };
  }

  /** Drops what an earlier download of `digest` left in the ingest area, unless one is running. */
  async discardPartial(digest: Digest): Promise<void> {
    const release = await this.lock(digest);
    try {
      await rm(partialPath(this.root, digest), { force: true });
    } finally {
      await release();
    }
  }

  /** ImageSink: a blob fetched into the store as feed() does, with no reader following it. */
  writeBlob(desc: Descriptor, fetch: BlobFetch, signal?: AbortSignal): Promise<void> {
    return this.fetchAll(desc.digest, fetch, { size: desc.size, signal, what: `blob ${desc.digest}` });
  }

  /** ImageSink: configs and manifests are blobs here; the database, not the store, names images. */
  writeConfig(desc: Descriptor, bytes: Buffer): Promise<void> {
    return this.put(desc, bytes, `config ${desc.digest}`);
  }

  writeManifest(desc: Descriptor, bytes: Buffer): Promise<void> {
    return this.put(desc, bytes, `manifest ${desc.digest}`);
  }

  /**
   * ImageSink: a blob of a digest not known beforehand, hashed while it is written to
   * `ingest/.stream-<pid>-<rand>` (layout.ts) within the free-space reserve, then renamed into
   * blobs/ under the digest computed. A blob the store holds already is kept as it is.
   */
  async writeStream(bytes: Readable, opts: { mediaType: string; signal?: AbortSignal }): Promise<Descriptor> {
    const what = `cannot write a blob (${opts.mediaType})`;
    const tmp = streamTempPath(this.root);
    const hash = new DigestStream();
    try {
      await pipeline(bytes, hash, keepFree(this.ingestDir, this.reserve, what), createWriteStream(tmp, { flags: 'wx' }), { signal: opts.signal });
      const digest = hash.digest();
      if (!(await this.has(digest))) await rename(tmp, this.path(digest));
      return { mediaType: opts.mediaType, digest, size: hash.bytes };
    } catch (err) {
      throw diskFull(err, what, this.ingestDir) ?? err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** ImageSink: every write is complete when it returns, so there is nothing to finish. */
  async close(): Promise<void> {}

  /** ImageSink: nor anything to take back: what was written is verified content. */
  async discard(): Promise<void> {}

  /**
   * Fetches a blob into the store, continuing a partial download of it: the bytes already in
   * `ingest/<hex>.partial` are hashed first, then `fetch(offset)` supplies the rest. The whole
   * blob is checked against `expected` and `size` before it becomes visible; content that
   * fails the check is discarded (and fetched again from the start when `fetch.rejected` says
   * another server has it), while a partial left by a broken transfer is kept for the next
   * attempt. One process at a time works on a digest; others wait for it. `onProgress` hears
   * the bytes of the blob held so far, resumed ones included.
   */
  private async fetchAll(expected: Digest, fetch: BlobFetch, opts: DownloadOptions, file?: GrowingFile): Promise<void> {
    const release = await this.lock(expected, opts.signal);
    try {
      if (await this.has(expected)) return;
      const partial = partialPath(this.root, expected);
      while (!(await this.fetchInto(partial, expected, fetch, { ...opts, what: opts.what ?? `blob ${expected}` }, file))) {
        // Wrong bytes were discarded and another server serves the blob from the start.
        file?.restart();
      }
      await rename(partial, this.path(expected));
    } finally {
      await release();
    }
  }

  /**
   * One pass of a download: appends to `partial` what `fetch` sends and checks the whole. False
   * when the bytes were wrong and `fetch` has another server to try; the error when it has not.
   */
  private async fetchInto(partial: string, expected: Digest, fetch: BlobFetch, opts: DownloadOptions & { what: string }, file?: GrowingFile): Promise<boolean> {
    const hash = new Sha256();
    let have = await stat(partial).then((s) => s.size, () => 0);
    if (have > opts.size) {
      await rm(partial, { force: true });
      have = 0;
    }
    if (have > 0) for await (const chunk of createReadStream(partial, { end: have - 1 }) as AsyncIterable<Buffer>) hash.update(chunk);
    opts.onProgress?.(have);
    file?.start(partial, have);
    // Wrong bytes are never resumed: the next attempt, or the next server, starts from scratch.
    const wrongBytes = async (err: Error) => {
      await rm(partial, { force: true });
      if (fetch.rejected?.(err)) return false;
      throw err;
    };
    if (have < opts.size) {
      const resumed = have;
      const counter = hashInto(hash, opts.size - have, (n) => opts.onProgress?.(resumed + n));
      // This store hashes every byte of the blob (above and in hashInto): the source need not.
      const body = await fetch(have, { callerVerifies: true });
      let sink: Writable | undefined;
      try {
        sink = appender(await open(partial, 'a'), (bytes) => file?.advance(bytes));
        await pipeline(body, counter, keepFree(this.ingestDir, this.reserve, `cannot download ${opts.what}`), sink, { signal: opts.signal });
      } catch (err) {
        // pipeline rejects at the first error, while the appender may still be writing what it
        // received: the lock is let go only once it is closed, or the next attempt would resume
        // from a size that is still growing and have its own bytes written over.
        if (sink && !sink.closed) await new Promise((resolve) => sink!.once('close', resolve));
        if (counter.tooLong) return wrongBytes(failed(`${opts.what}: more bytes than its descriptor's ${opts.size}`, { code: 'SIZE_MISMATCH' }));
        // The source found its bytes wrong on the way (a range other than the one asked for):
        // they are not resumed either, or the next attempt would fail on them again.
        if (isWrongBytes(err)) return wrongBytes(err);
        throw diskFull(err, `cannot download ${opts.what}`, this.ingestDir) ?? err;
      }
      have += counter.bytes;
    }
    try {
      this.check(opts.what, expected, hash.digest(), have, opts.size);
    } catch (err) {
      return wrongBytes(err as Error);
    }
    return true;
  }

  /** Takes `ingest/<hex>.lock`, waiting while a live process holds it. */
  private lock(digest: Digest, signal?: AbortSignal): Promise<Release> {
    return acquirePidLock(ingestLockPath(this.root, digest), { signal });
  }

  /** Stores bytes already in memory (manifests, configs) after checking their digest and size. */
  private async put(desc: Descriptor, bytes: Buffer, what: string): Promise<void> {
    checkBlob(what, desc, bytes);
    if (await this.has(desc.digest)) return;
    const tmp = ingestTempPath(this.root, desc.digest);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, this.path(desc.digest));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  read(digest: Digest): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  open(digest: Digest): Readable {
    return createReadStream(this.path(digest));
  }

  async delete(digest: Digest): Promise<void> {
    await removeInside(this.root, this.path(digest));
  }

  /** Calls `fn` with every committed blob (digest and size), in digest order. */
  walk(fn: (blob: BlobInfo) => Promise<void> | void): Promise<void> {
    return walkBlobs(this.root, fn);
  }

  /** Files in the blob directory not named as a digest: never served as blobs. */
  strays(): Promise<string[]> {
    return strayBlobNames(this.root);
  }

  /** The downloads under way or broken off (bytes held, lock holder) and the temp files of the ingest area. */
  status(): Promise<ContentStatus> {
    return ingestStatus(this.root);
  }

  private check(what: string, expected: Digest, actual: Digest, bytes: number, size: number | undefined): void {
    if (size !== undefined && bytes !== size) {
      throw failed(`${what}: expected ${size} bytes, received ${bytes}`, { code: 'SIZE_MISMATCH' });
    }
    assertDigest(what, expected, actual);
  }
}


/** Hashes and counts what passes, failing (with `tooLong` set) past `limit` bytes. */
function hashInto(hash: Sha256, limit: number, onBytes: (bytes: number) => void): Transform & { bytes: number; tooLong: boolean } {
  const t = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      if (t.bytes + chunk.length > limit) {
        t.tooLong = true;
        return cb(new Error('too long'));
      }
      t.bytes += chunk.length;
      hash.update(chunk);
      onBytes(t.bytes);
      cb(null, chunk);
    },
  }) as Transform & { bytes: number; tooLong: boolean };
  t.bytes = 0;
  t.tooLong = false;
  return t;
}
