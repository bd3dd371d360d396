/**
 * Layer blobs to plain tar. The content decides, as containerd does: gzip and zstd are
 * recognized by their magic bytes, anything else passes through. Both are decompressed as a
 * stream; zstd through zstd-napi (Node 20's zlib has none).
 *
 * Throughput matters here (a Windows base layer is gigabytes), and on a small machine the
 * JavaScript thread is what limits an install. So the compressed bytes are read into two
 * buffers used in turn, each read again only once the decoder has consumed it (the next one is
 * read meanwhile), and the decoder's output is passed on chunk by chunk as it made them, never
 * joined into a copy as a stream's async iterator joins what it holds. Inflating stays in
 * process, on libuv's thread pool: handing it to `unpigz`, as containerd does when it is on
 * PATH, measured slower here (the bytes then cross two pipes).
 */
import { Readable, type Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { failed } from '../errors.js';
import { streamed } from '../streaming-profile.js';

/** Bytes pulled into the caller's buffer, following a source: how many were read, 0 at its end. */
export interface ByteReader {
  read(into: Buffer): Promise<number>;
  /** Lets go of what the reader holds (its file), at the end or to stop early; again does nothing. */
  close(): Promise<void>;
}

/** Compressed bytes read at once; a decoder's output chunks. */
const IN_CHUNK = 256 * 1024;
const OUT_CHUNK = 128 * 1024;

const FORMATS: { name: string; magic: Buffer; open: () => Transform }[] = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]), open: () => createGunzip({ chunkSize: OUT_CHUNK }) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), open: () => new DecompressStream() },
];
const HEAD = Math.max(...FORMATS.map((f) => f.magic.length));

/**
 * Returns the uncompressed tar of a layer blob. A corrupt or truncated gzip or zstd stream
 * errors with code CORRUPT_LAYER; errors of `input` itself come through unchanged.
 */
export function decompress(input: Readable | ByteReader): Readable {
  return Readable.from(decompressChunks(input), { objectMode: false });
}

/** decompress() as the chunks themselves, for a consumer that needs no stream. */
export async function* decompressChunks(input: Readable | ByteReader): AsyncGenerator<Buffer> {
  const reader = input instanceof Readable ? readerOf(input) : input;
  try {
    // The first read holds the magic bytes but for a source that trickles (a test's one-byte chunks).
    const first = Buffer.allocUnsafe(IN_CHUNK);
    let held = 0;
    while (held < HEAD) {
      const n = await reader.read(first.subarray(held));
      if (n === 0) break;
      held += n;
    }
    const head = first.subarray(0, held);
    const format = FORMATS.find((f) => head.subarray(0, f.magic.length).equals(f.magic));
    if (!format) {
      // Each read copied out at its own size: a view of a download that trickles would keep a
      // whole buffer alive for a few bytes while the importer holds it.
      if (head.length) yield Buffer.from(head);
      for (let n; (n = await reader.read(first)) > 0; ) {
        streamed(n);
        yield Buffer.from(first.subarray(0, n));
      }
    } else {
      yield* decoded(format, first, held, reader);
    }
  } finally {
    await reader.close();
  }
}

/** The decoder's output while the reader's bytes are fed to it, the first `held` of them already in `first`. */
async function* decoded(format: (typeof FORMATS)[number], first: Buffer, held: number, reader: ByteReader): AsyncGenerator<Buffer> {
  const decoder = format.open();
  let sourceError: unknown;
  const feeding = feed(decoder, first, held, reader).catch((err: unknown) => {
    sourceError = err;
    decoder.destroy(err as Error);
  });
  try {
    yield* chunksOf(decoder);
  } catch (err) {
    if (sourceError !== undefined && err === sourceError) throw err;
    throw failed(`layer is not valid ${format.name}: ${(err as Error).message}`, { code: 'CORRUPT_LAYER', cause: err });
  } finally {
    decoder.destroy();
    // A read waiting for bytes not yet downloaded returns at once.
    await reader.close();
    await feeding;
  }
}

/**
 * Writes the reader's bytes into `decoder`, reading into one of two buffers while the decoder
 * works on the other; a buffer is read into again only after the decoder called back for it,
 * which it does once it has consumed it. A decoder's own failure is not this function's: it
 * surfaces on the decoder's output.
 */
async function feed(decoder: Transform, first: Buffer, held: number, reader: ByteReader): Promise<void> {
  const buffers = [first, Buffer.allocUnsafe(IN_CHUNK)];
  let writing = write(decoder, first.subarray(0, held));
  for (let next = 1; ; next ^= 1) {
    const n = await reader.read(buffers[next]!);
    await writing;
    if (n === 0 || decoder.destroyed) break;
    writing = write(decoder, buffers[next]!.subarray(0, n));
  }
  if (!decoder.destroyed) decoder.end();
}

/**
 * Resolves once the decoder is done with `chunk`: it called back, or it closed (zlib does not
 * call back for a chunk it failed on).
 */
function write(decoder: Transform, chunk: Buffer): Promise<void> {
  if (chunk.length === 0 || decoder.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      decoder.off('close', done);
      resolve();
    };
    decoder.once('close', done);
    decoder.write(chunk, done);
  });
}

/**
 * A stream's chunks one by one as it pushed them, each reported to the streaming profile. A
 * stream's own async iterator reads everything it holds at once, joining two or more chunks into
 * a new buffer: a copy of every byte that arrives while the consumer is busy.
 */
async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let done: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= 2) stream.pause();
    notify();
  };
  stream.on('data', onData);
  finished(stream, { writable: false }).then(
    () => {
      done = {};
      notify();
    },
    (error: unknown) => {
      done = { error };
      notify();
    },
  );
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        if (stream.isPaused() && queue.length < 2) stream.resume();
        streamed(chunk.length);
        yield chunk;
        continue;
      }
      if (done) {
        if (done.error !== undefined) throw done.error;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('data', onData);
  }
}

/** A Readable as a ByteReader: its chunks copied into the buffers asked to be filled. */
function readerOf(input: Readable): ByteReader {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let rest: Buffer = Buffer.alloc(0);
  return {
    async read(into) {
      while (rest.length === 0) {
        const r = await chunks.next();
        if (r.done) return 0;
        rest = r.value;
      }
      const n = rest.copy(into);
      rest = rest.subarray(n);
      return n;
    },
    async close() {
      await chunks.return?.();
    },
  };
}
