/**
 * Content-addressable blob store under `<root>/blobs/sha256/<hex>`. A blob becomes visible
 * only by an atomic rename after its digest (and size, when known) has been checked; until
 * then its bytes live in `<root>/ingest/`, inside the store so the rename never crosses
 * file systems. Downloads keep their bytes in `ingest/<hex>.partial`, guarded by
 * `ingest/<hex>.lock`, so a later attempt (or another process) continues where one stopped.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { failed } from '../errors.js';
import { assertDigest, digestHex, sha256, type Digest } from '../image/digest.js';

/**
 * Where a download's bytes come from: the blob from `offset` on. `rejected`, when a source has
 * it, is told that a whole blob it served failed the check, and answers true when another
 * source will serve the blob again from the start (a foreign layer's next URL).
 */
export type BlobFetch = ((offset: number) => Promise<Readable>) & { rejected?: (failure: Error) => boolean };

export class ContentStore {
  readonly blobDir: string;
  readonly ingestDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: Digest): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    return stat(this.path(digest)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Fetches a blob into the store, continuing a partial download of it: the bytes already in
   * `ingest/<hex>.partial` are hashed first, then `fetch(offset)` supplies the rest. The whole
   * blob is checked against `expected` and `size` before it becomes visible; content that
   * fails the check is discarded (and fetched again from the start when `fetch.rejected` says
   * another source has it), while a partial left by a broken transfer is kept for the next
   * attempt. One process at a time works on a digest; others wait for it. `onProgress` hears
   * the bytes of the blob held so far, resumed ones included.
   */
  async download(
    expected: Digest,
    fetch: BlobFetch,
    opts: { size: number; signal?: AbortSignal; what?: string; onProgress?: (bytes: number) => void },
  ): Promise<void> {
    const what = opts.what ?? `blob ${expected}`;
    const release = await this.lock(expected, opts.signal);
    try {
      if (await this.has(expected)) return;
      const partial = join(this.ingestDir, `${digestHex(expected)}.partial`);
      while (!(await this.fetchInto(partial, expected, fetch, { ...opts, what }))) {
        // Wrong bytes were discarded and another source serves the blob from the start.
      }
      await rename(partial, this.path(expected));
    } finally {
      await release();
    }
  }

  /**
   * One pass of download: appends to `partial` what `fetch` sends and checks the whole. False
   * when the bytes were wrong and `fetch` has another source to try; the error when it has not.
   */
  private async fetchInto(
    partial: string,
    expected: Digest,
    fetch: BlobFetch,
    opts: { size: number; signal?: AbortSignal; what: string; onProgress?: (bytes: number) => void },
  ): Promise<boolean> {
    const hash = createHash('sha256');
    let have = await stat(partial).then((s) => s.size, () => 0);
    if (have > opts.size) {
      await rm(partial, { force: true });
      have = 0;
    }
    if (have > 0) for await (const chunk of createReadStream(partial, { end: have - 1 }) as AsyncIterable<Buffer>) hash.update(chunk);
    opts.onProgress?.(have);
    // Wrong bytes are never resumed: the next attempt, or the next source, starts from scratch.
    const wrongBytes = async (err: Error) => {
      await rm(partial, { force: true });
      if (fetch.rejected?.(err)) return false;
      throw err;
    };
    if (have < opts.size) {
      const resumed = have;
      const counter = hashInto(hash, opts.size - have, (n) => opts.onProgress?.(resumed + n));
      try {
        await pipeline(await fetch(have), counter, createWriteStream(partial, { flags: 'a' }), { signal: opts.signal });
      } catch (err) {
        if (counter.tooLong) return wrongBytes(failed(`${opts.what}: more bytes than its descriptor's ${opts.size}`, { code: 'SIZE_MISMATCH' }));
        throw err;
      }
      have += counter.bytes;
    }
    try {
      this.check(opts.what, expected, `sha256:${hash.digest('hex')}`, have, opts.size);
    } catch (err) {
      return wrongBytes(err as Error);
    }
    return true;
  }

  /** Takes `ingest/<hex>.lock` (O_EXCL), waiting while a live process holds it. */
  private async lock(digest: Digest, signal?: AbortSignal): Promise<() => Promise<void>> {
    const path = join(this.ingestDir, `${digestHex(digest)}.lock`);
    for (;;) {
      try {
        await writeFile(path, String(process.pid), { flag: 'wx' });
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number(await readFile(path, 'utf8').catch(() => ''));
      // A lock whose process is gone was left by a crash; an empty one is being written.
      if (holder > 0 && !isAlive(holder)) await rm(path, { force: true });
      else await delay(50, undefined, { signal });
    }
  }

  /** Stores bytes already in memory (manifests, configs) after checking their digest. */
  async put(expected: Digest, bytes: Buffer, what?: string): Promise<void> {
    this.check(what ?? `blob ${expected}`, expected, sha256(bytes), bytes.length, undefined);
    if (await this.has(expected)) return;
    const tmp = this.tempPath(expected);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, this.path(expected));
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
    await rm(this.path(digest), { force: true });
  }

  private tempPath(digest: Digest): string {
    return join(this.ingestDir, `${digestHex(digest)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  }

  private check(what: string, expected: Digest, actual: Digest, bytes: number, size: number | undefined): void {
    if (size !== undefined && bytes !== size) {
      throw failed(`${what}: expected ${size} bytes, received ${bytes}`, { code: 'SIZE_MISMATCH' });
    }
    assertDigest(what, expected, actual);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Hashes and counts what passes, failing (with `tooLong` set) past `limit` bytes. */
function hashInto(hash: ReturnType<typeof createHash>, limit: number, onBytes: (bytes: number) => void): Transform & { bytes: number; tooLong: boolean } {
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
