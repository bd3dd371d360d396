/**
 * An entry's data written to its file: in order for a plain file, and for a sparse file (PAX
 * 0.0/0.1/1.0, GNU 'S') each run of the stored data at its offset, the file then extended to
 * its real size by ftruncate, so the gaps stay holes and read as zeros, as tar -x leaves them.
 * A sparse file copied (into a container, or for a hard link to a parent layer) keeps its holes too.
 */
import { closeSync, constants, ftruncateSync, writeSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { failed } from '../errors.js';
import { fsPath, shown, type BytePath } from './byte-paths.js';
import type { SparseRun } from './tar/header.js';
import { runTool } from './tools.js';

/** What an entry's data needs to be placed: its real size and, for a sparse file, its runs. */
export interface EntryData {
  size: number;
  sparse?: SparseRun[];
}

/** Where the stored data of a sparse entry goes, chunk by chunk as it is read. */
export class SparsePlacer {
  private run = 0;
  /** Bytes of the current run already placed. */
  private done = 0;

  constructor(private readonly runs: SparseRun[]) {}

  /** The pieces of `chunk` and the file offset each belongs at. */
  *place(chunk: Buffer): Generator<{ bytes: Buffer; position: number }> {
    let rest = chunk;
    while (rest.length) {
      this.skipFullRuns();
      const r = this.runs[this.run];
      if (!r) throw failed('a sparse entry holds more data than its sparse map places', { code: 'INVALID_TAR' });
      const n = Math.min(rest.length, r.length - this.done);
      yield { bytes: rest.subarray(0, n), position: r.offset + this.done };
      this.done += n;
      rest = rest.subarray(n);
    }
  }

  /** Throws unless every run was filled. */
  end(): void {
    this.skipFullRuns();
    if (this.run < this.runs.length) throw failed('a sparse entry holds less data than its sparse map places', { code: 'INVALID_TAR' });
  }

  private skipFullRuns(): void {
    while (this.run < this.runs.length && this.done >= this.runs[this.run]!.length) {
      this.run++;
      this.done = 0;
    }
  }
}

/**
 * Writes an entry's `chunks` to `fd` (a new file, opened for writing) and closes it after
 * `finish` (owner, mode, times). Synchronous calls, one chunk at a time: for files too large to
 * hold, streamed from the tar. A write may take only part of a chunk (a filling disk reports no
 * error for it), so the rest is written again until the disk says ENOSPC.
 */
export async function writeFileData(
  fd: number,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  data: EntryData,
  finish: (fd: number) => void,
): Promise<void> {
  try {
    const placer = data.sparse && new SparsePlacer(data.sparse);
    for await (const chunk of chunks) {
      if (!placer) {
        for (let rest = chunk; rest.length; ) rest = rest.subarray(writeSync(fd, rest));
        continue;
      }
      for (const { bytes, position } of placer.place(chunk)) {
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, position + at);
      }
    }
    if (placer) {
      placer.end();
      ftruncateSync(fd, data.size);
    }
    finish(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file's size and allocated 512-byte blocks, as an lstat gives them. */
type Allocation = { size: number | bigint; blocks: number | bigint };

/**
 * Holes this large make a file worth copying with cp: Node's copyFile writes holes out as zeros,
 * and a sparse file (lastlog, a disk image) can be far larger than the disk. A file with fewer
 * holes is copied as any other (and a file system keeping small files inline, which allocates
 * them no block, spawns nothing).
 */
const SPARSE_HOLES = 1n << 20n;

const isSparse = (st: Allocation) => BigInt(st.size) - BigInt(st.blocks) * 512n >= SPARSE_HOLES;

/** The bytes a copy of a file takes on disk: a sparse file's blocks, else its size. */
export function copySize(st: Allocation): number {
  return Number(isSparse(st) ? BigInt(st.blocks) * 512n : BigInt(st.size));
}

/**
 * Copies the regular file `src` (whose lstat is `st`) to `dst`, where nothing is: a sparse one
 * with GNU cp, which finds its holes (SEEK_DATA) and keeps them. Owner, mode, times and
 * attributes are the caller's to set.
 */
export async function copyFileData(src: BytePath, dst: BytePath, st: Allocation): Promise<void> {
  if (!isSparse(st)) return copyFile(fsPath(src), fsPath(dst), constants.COPYFILE_EXCL);
  // -T and --remove-destination: never into a directory or through a symlink that is at `dst` after all.
  const { code, stderr } = await runTool('cp', ['--sparse=auto', '--no-dereference', '-T', '--remove-destination', '--', fsPath(src), fsPath(dst)]);
  if (code !== 0) throw failed(`could not copy the sparse file ${shown(src)}: ${shown(stderr.toString('latin1').trim())}`);
}
