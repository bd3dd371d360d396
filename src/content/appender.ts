/**
 * Appending a download to its file. The network brings 64 KiB at a time on loopback (less on a
 * real one); written one by one, each chunk would be a write handed to the thread pool, and
 * every chunk held while its write waits outlives the young generation's collections and is
 * freed only by a full one, which on a busy install came every few dozen milliseconds. So chunks
 * are copied into one of two buffers, used in turn and never freed: one fills while the other is
 * written, and a buffer goes down as soon as no write is under way, so the bytes of a slow
 * download reach the disk (and the readers following it) at once.
 */
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { streamed } from '../streaming-profile.js';

const BUFFER = 1024 * 1024;

/** Appends what is written to `fh` (opened for appending), calling `written` with each run of bytes once it is on the file; closes `fh` at the end. */
export function appender(fh: FileHandle, written: (bytes: number) => void): Writable {
  const buffers = [Buffer.allocUnsafe(BUFFER), Buffer.allocUnsafe(BUFFER)];
  let current = 0;
  let filled = 0;
  let writing: Promise<void> | undefined;
  let failure: { err: unknown } | undefined;

  /** Starts writing the filled buffer unless a write is under way; the next one fills meanwhile. */
  const pump = () => {
    if (writing || failure || filled === 0) return;
    const bytes = buffers[current]!.subarray(0, filled);
    current ^= 1;
    filled = 0;
    writing = writeAll(fh, bytes).then(
      () => {
        writing = undefined;
        written(bytes.length);
        pump();
      },
      (err: unknown) => {
        writing = undefined;
        failure = { err };
      },
    );
  };

  /** Waits until no write is under way, then throws what a write failed with. */
  const settled = async () => {
    while (writing) await writing;
    if (failure) throw failure.err;
  };

  const append = async (chunk: Buffer) => {
    streamed(chunk.length);
    for (let rest = chunk; rest.length > 0; ) {
      if (failure) throw failure.err;
      if (filled === BUFFER) {
        // Both buffers are taken: the one being written is free once its write is done.
        await writing;
        pump();
        continue;
      }
      const n = rest.copy(buffers[current]!, filled);
      filled += n;
      rest = rest.subarray(n);
    }
    pump();
  };

  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      append(chunk).then(() => cb(), cb);
    },
    final(cb) {
      (async () => {
        await settled();
        pump();
        await settled();
        await fh.close();
      })().then(() => cb(), cb);
    },
    destroy(err, cb) {
      (async () => {
        await settled().catch(() => {});
        await fh.close();
      })().then(
        () => cb(err),
        () => cb(err),
      );
    },
  });
}

/** A write may take only part of the bytes (a filling disk): the rest is written until the disk says why not. */
async function writeAll(fh: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done)).bytesWritten;
}
