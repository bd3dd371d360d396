/**
 * Small regular files of a layer, written a few dozen at a time on libuv's thread pool.
 *
 * Unpacking is mostly file creation, and on a VM creating an inode costs a few hundred
 * microseconds of kernel time, far more than writing a small file's bytes. Made one after the
 * other on the JavaScript thread, those calls use one core; handed to the thread pool with
 * several in flight, they run on every core while the tar is parsed on. The unpacker keeps
 * the order of a tar's effects: it hands over only paths that nothing in the layer has used
 * yet, and waits for the writes in flight before it touches a path that one of them holds.
 */
import type { PathLike } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createdFileFixes, creationMode, type Meta } from './meta.js';
import { SparsePlacer } from './sparse.js';
import type { SparseRun } from './tar/header.js';
import { setTimes } from './times.js';

export class FileWrites {
  /** In flight, by path in the layer; each settles without rejecting (the first failure is kept). */
  private readonly pending = new Map<string, Promise<void>>();
  private bytes = 0;
  private failure: { err: unknown } | undefined;

  constructor(
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {}

  /** Whether a write in flight is at `rel`, at a path above it, or at one below it. */
  touches(rel: string): boolean {
    for (const p of this.pending.keys()) {
      if (p === rel || rel.startsWith(`${p}/`) || p.startsWith(`${rel}/`)) return true;
    }
    return false;
  }

  /**
   * Starts writing `data` to `path`, where nothing exists yet, once fewer than the limits are
   * in flight. Throws the failure of an earlier write, if one failed. For a sparse entry,
   * `sparse` places the data (its runs) and gives the file's real size.
   */
  async add(rel: string, path: PathLike, data: Buffer[], meta: Meta, sparse?: { runs: SparseRun[]; size: number }): Promise<void> {
    while (this.pending.size >= this.maxFiles || this.bytes >= this.maxBytes) {
      this.throwIfFailed();
      await Promise.race(this.pending.values());
    }
    this.throwIfFailed();
    const size = data.reduce((n, b) => n + b.length, 0);
    this.bytes += size;
    const write = writeNewFile(path, data, meta, sparse).then(
      () => {},
      (err: unknown) => {
        this.failure ??= { err };
      },
    );
    this.pending.set(rel, write);
    void write.then(() => {
      this.pending.delete(rel);
      this.bytes -= size;
    });
  }

  /** Waits for every write in flight; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every write in flight, whatever its outcome (on the way out of a failed import). */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending.values());
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.err;
  }
}

async function writeNewFile(path: PathLike, data: Buffer[], meta: Meta, sparse?: { runs: SparseRun[]; size: number }): Promise<void> {
  const fh = await open(path, 'wx', creationMode(meta));
  try {
    if (sparse) await writeSparse(fh, data, sparse);
    else {
      for (const chunk of data) {
        // A write may take only part of a chunk (a filling disk): the next one reports why.
        for (let done = 0; done < chunk.length; ) done += (await fh.write(chunk, done)).bytesWritten;
      }
    }
    const fix = createdFileFixes(meta);
    if (fix.owner) await fh.chown(...fix.owner);
    if (fix.mode !== undefined) await fh.chmod(fix.mode);
    if (fix.mtime) await setTimes(fh, fix.mtime, fix.atime);
  } finally {
    await fh.close();
  }
}

/** Each run of the data at its offset; the holes between and after the runs stay holes. */
async function writeSparse(fh: FileHandle, data: Buffer[], sparse: { runs: SparseRun[]; size: number }): Promise<void> {
  const placer = new SparsePlacer(sparse.runs);
  for (const chunk of data) {
    for (const { bytes, position } of placer.place(chunk)) {
      for (let at = 0; at < bytes.length; ) at += (await fh.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
    }
  }
  placer.end();
  await fh.truncate(sparse.size);
}
