/**
 * An OCI image layout directory as an ImageSink, for Save: blobs land in `blobs/sha256/<hex>`
 * only by a rename after their digest and size were checked, and `index.json` is replaced
 * whole by a rename, so a reader (skopeo, containerd, this program's OciLayout) never sees a
 * blob with wrong bytes or a half-written index. Temp files are made in the layout directory
 * itself, so the renames never cross file systems.
 *
 * index.json is written after every named manifest, not kept for close(): a Save broken off
 * leaves a valid layout of the images it finished, and the layout is complete whenever a write
 * returns. One writer at a time per directory, or two would each replace index.json with their
 * own entries and lose the other's: create() takes `<dir>/.ctrimg-writer.lock` (a pid lock, as
 * the store's, so one a killed writer left is taken over) and refuses a directory a live writer
 * holds; close() lets it go.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CtrimgError, diskFull, failed, usage } from '../errors.js';
import { describeOwner, isRunning } from '../content/owner.js';
import { acquirePidLock, type Release } from '../content/pid-lock.js';
import { DigestStream, digestHex, isDigest, type Digest } from '../image/digest.js';
import { parseManifest, type Descriptor, type IndexManifest } from '../image/manifest.js';
import { OCI_INDEX } from '../image/mediatypes.js';
import { checkBlob, isWrongBytes, type BlobFetch, type ImageSink } from '../image/source.js';
import { VerifyStream } from '../image/verify.js';
import { isRealDirectory, openRegular, readCapped } from './files.js';
import { MAX_INDEX, REF_NAME } from './oci-layout.js';

const LAYOUT_VERSION = '1.0.0';
/** Beside `oci-layout`, where no reader looks. */
const LOCK = '.ctrimg-writer.lock';

export class OciLayoutWriter implements ImageSink {
  private release?: Release;
  private closed = false;
  /** index.json edits, one after another: each reads the index the one before it wrote. */
  private indexEdits: Promise<void> = Promise.resolve();

  private constructor(private readonly dir: string) {}

  /**
   * Makes `dir` a layout (its `oci-layout` and an empty `index.json`) unless it already is one.
   * Its `blobs` directories must be directories there, not symlinks: a blob is never written
   * outside the layout, whatever the directory held before.
   */
  static async create(dir: string): Promise<OciLayoutWriter> {
    const w = new OciLayoutWriter(dir);
    await mkdir(dir, { recursive: true });
    w.release = await acquirePidLock(join(dir, LOCK), {
      onWait: (holder) => {
        throw failed(`${dir} is being written by ${describeOwner(holder)}`, { code: 'LAYOUT_BUSY', hint: 'wait for it to finish, or write to another directory' });
      },
    });
    try {
      await w.removeLeftTemps();
      await w.prepare();
    } catch (err) {
      await w.close();
      throw err;
    }
    return w;
  }

  /**
   * Removes the `.tmp-<pid>-<rand>-<what>` files of a process no longer running: what a killed
   * writer left (its lock taken over). A running process's are never touched, whatever the
   * directory is (a layout pointed at a directory of the store holds the store's own temps), nor
   * the temp records of processes waiting for the lock (`...-<lock name>`).
   */
  private async removeLeftTemps(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const m = /^\.tmp-(\d+)-[0-9a-f]+-(.+)$/.exec(name);
      if (!m || m[2]!.startsWith(LOCK) || isRunning({ pid: Number(m[1]) })) continue;
      await unlink(join(this.dir, name)).catch(() => {}); // a directory by that name is not ours
    }
  }

  /** The layout's directories and files, made where missing. */
  private async prepare(): Promise<void> {
    const dir = this.dir;
    // One level at a time, each checked before the next is made in it.
    for (const d of ['blobs', join('blobs', 'sha256')]) {
      await mkdir(join(dir, d)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      if (!(await isRealDirectory(join(dir, d)))) throw this.invalid(`${d} is not a directory`);
    }
    if (!(await exists(join(dir, 'oci-layout')))) await this.replace('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION })));
    if (!(await exists(join(dir, 'index.json')))) await this.replace('index.json', indexBytes([]));
  }

  /** A broken-off save leaves a valid layout of what was finished (see the top of this file): closing is all. */
  discard(): Promise<void> {
    return this.close();
  }

  /** Lets go of the directory; everything written is in place already (see the top of this file). */
  async close(): Promise<void> {
    this.closed = true;
    const release = this.release;
    this.release = undefined;
    await release?.();
  }

  async has(digest: Digest): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** Streams the blob to a temp file through a digest check; wrong bytes are asked again from the next server when `fetch` has one. */
  async writeBlob(desc: Descriptor, fetch: BlobFetch, signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    if (await this.holdsWhole(desc.digest, desc.size)) return;
    for (;;) {
      const tmp = this.tempPath(digestHex(desc.digest));
      try {
        const verify = new VerifyStream(`blob ${desc.digest}`, desc.digest, desc.size);
        await pipeline(await fetch(0, { callerVerifies: true }), verify, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { signal });
        await syncFile(tmp);
        await rename(tmp, this.blobPath(desc.digest));
        return;
      } catch (err) {
        await rm(tmp, { force: true });
        if (!(isWrongBytes(err) && fetch.rejected?.(err))) throw diskFull(err, `cannot write blob ${desc.digest}`, this.dir) ?? err;
      }
    }
  }

  /** Hashed while written to a temp file, then renamed to `blobs/sha256/<hex>` of the digest found (unless there already). */
  async writeStream(bytes: Readable, opts: { mediaType: string; signal?: AbortSignal }): Promise<Descriptor> {
    this.assertOpen();
    const tmp = this.tempPath('stream');
    const hash = new DigestStream();
    try {
      await pipeline(bytes, hash, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }), { signal: opts.signal });
      await syncFile(tmp);
      const digest = hash.digest();
      if (!(await this.has(digest))) await rename(tmp, this.blobPath(digest));
      return { mediaType: opts.mediaType, digest, size: hash.bytes };
    } catch (err) {
      throw diskFull(err, `cannot write a blob (${opts.mediaType})`, this.dir) ?? err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async writeConfig(desc: Descriptor, bytes: Buffer): Promise<void> {
    this.assertOpen();
    checkBlob(`config ${desc.digest}`, desc, bytes);
    await this.putBlob(desc.digest, bytes);
  }

  /**
   * Writes the manifest (or index) blob; with `name`, index.json then lists it under that
   * `org.opencontainers.image.ref.name`, replacing what had the name before.
   */
  async writeManifest(desc: Descriptor, bytes: Buffer, name?: string): Promise<void> {
    this.assertOpen();
    checkBlob(`manifest ${desc.digest}`, desc, bytes);
    await this.putBlob(desc.digest, bytes);
    if (name === undefined) return;
    // Manifests written side by side must not each replace index.json with only their own entry.
    const edit = this.indexEdits.then(() => this.nameManifest(desc, name));
    this.indexEdits = edit.catch(() => {});
    await edit;
  }

  /** index.json lists `desc` under `name`, replacing what had the name before. */
  private async nameManifest(desc: Descriptor, name: string): Promise<void> {
    const { raw, parsed } = await this.readIndex();
    const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { ...desc.annotations, [REF_NAME]: name } };
    if (desc.platform) entry.platform = desc.platform;
    // The index is edited as the JSON it is: its annotations, and whatever fields its other
    // entries carry that Descriptor does not know (artifactType, data, ...), stay as they were.
    const entries = raw.manifests as unknown[];
    raw.manifests = [...entries.filter((_, i) => parsed.manifests[i]!.annotations?.[REF_NAME] !== name), entry];
    await this.replace('index.json', Buffer.from(JSON.stringify(raw)));
  }

  /** index.json as JSON and as checked; read as the reader reads it (no symlink, no FIFO, capped). */
  private async readIndex(): Promise<{ raw: Record<string, unknown>; parsed: IndexManifest }> {
    const path = join(this.dir, 'index.json');
    const bytes = await readCapped(await openRegular(path, (why) => this.invalid(why)), MAX_INDEX, `${this.dir}: index.json`);
    const parsed = parseManifest(bytes);
    if (parsed.kind !== 'index') throw this.invalid('index.json is not an image index');
    return { raw: JSON.parse(bytes.toString('utf8')) as Record<string, unknown>, parsed };
  }

  /** A write after close() would be made without the lock, beside another writer's. */
  private assertOpen(): void {
    if (this.closed) throw new Error(`OCI layout writer for ${this.dir} used after it was closed`);
  }

  private invalid(why: string): CtrimgError {
    return failed(`${this.dir} is not a valid OCI image layout: ${why}`, { code: 'LAYOUT_INVALID' });
  }

  private async putBlob(digest: Digest, bytes: Buffer): Promise<void> {
    if (!(await this.holdsWhole(digest, bytes.length))) await this.replace(join('blobs', 'sha256', digestHex(digest)), bytes);
  }

  /**
   * True when the layout already has the blob as a regular file of its size. A layout saved into
   * again may hold a truncated file, or a symlink, under the name: that is written anew (the rename
   * replaces it) rather than named by index.json. Content is not hashed here: readers verify it.
   */
  private async holdsWhole(digest: Digest, size: number): Promise<boolean> {
    const st = await lstat(this.blobPath(digest)).catch(() => undefined);
    return st !== undefined && st.isFile() && st.size === size;
  }

  /** Writes `name` (relative to the layout) whole, by a synced temp file renamed over it. */
  private async replace(name: string, bytes: Buffer): Promise<void> {
    const tmp = this.tempPath(name.replace(/[\\/]/g, '-'));
    try {
      const fh = await open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(this.dir, name));
    } catch (err) {
      await rm(tmp, { force: true });
      throw diskFull(err, `cannot write ${name}`, this.dir) ?? err;
    }
  }

  private blobPath(digest: Digest): string {
    if (!isDigest(digest)) throw usage(`invalid digest '${String(digest).slice(0, 80)}'`);
    return join(this.dir, 'blobs', 'sha256', digestHex(digest));
  }

  /** Beside `oci-layout`, where no reader looks: `.tmp-<pid>-<random>-<what>`. */
  private tempPath(what: string): string {
    return join(this.dir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}-${what}`);
  }
}

function indexBytes(manifests: Descriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
