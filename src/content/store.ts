/**
 * Content-addressable blob store under `<root>/blobs/sha256/<hex>`. A blob becomes visible
 * only by an atomic rename after its digest (and size, when known) has been checked; until
 * then its bytes live in `<root>/ingest/`, inside the store so the rename never crosses
 * file systems.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { failed } from '../errors.js';
import { assertDigest, digestHex, isDigest, sha256, DigestStream, type Digest } from '../image/digest.js';

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

  /** Streams `source` into the store, verifying it against `expected` (and `size`). */
  async ingest(expected: Digest, source: Readable, opts: { size?: number; signal?: AbortSignal; what?: string } = {}): Promise<void> {
    const tmp = this.tempPath(expected);
    const hasher = new DigestStream();
    try {
      await pipeline(source, hasher, createWriteStream(tmp), { signal: opts.signal });
      this.check(opts.what ?? `blob ${expected}`, expected, hasher.digest(), hasher.bytes, opts.size);
      await rename(tmp, this.path(expected));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
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

  async size(digest: Digest): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.blobDir).catch(() => [] as string[]);
    return names.map((hex) => `sha256:${hex}`).filter(isDigest);
  }

  /** Removes leftovers of interrupted ingests. */
  async clearIngest(): Promise<void> {
    await rm(this.ingestDir, { recursive: true, force: true });
    await mkdir(this.ingestDir, { recursive: true });
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
