/**
 * An entry's data written to its file: in order for a plain file, and for a sparse file (PAX
 * 0.0/0.1/1.0, GNU 'S') each run of the stored data at its offset, the file then extended to
 * its real size by ftruncate, so the gaps stay holes and read as zeros, as tar -x leaves them.
 */
import { closeSync, ftruncateSync, writeSync } from 'node:fs';
import { failed } from '../errors.js';
import type { SparseRun } from './tar/header.js';

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
