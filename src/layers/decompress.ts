/**
 * Layer blobs to plain tar. The content decides, as containerd does: gzip and zstd are
 * recognized by their magic bytes, anything else passes through. Both are decompressed as a
 * stream; zstd through zstd-napi (Node 20's zlib has none).
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { failed } from '../errors.js';

const FORMATS: { name: string; magic: Buffer; open: () => Transform }[] = [
  // Larger output chunks than zlib's 16 KiB: fewer writes per unpacked file, less per-chunk overhead.
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]), open: () => createGunzip({ chunkSize: 128 * 1024 }) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), open: () => new DecompressStream() },
];
const HEAD = Math.max(...FORMATS.map((f) => f.magic.length));

/**
 * Returns the uncompressed tar of a layer blob. A corrupt or truncated gzip or zstd stream
 * errors with code CORRUPT_LAYER; errors of `input` itself come through unchanged.
 */
export function decompress(input: Readable): Readable {
  return Readable.from(decompressed(input), { objectMode: false });
}

async function* decompressed(input: Readable): AsyncGenerator<Buffer> {
  const chunks: AsyncIterator<Buffer> = input[Symbol.asyncIterator]();
  try {
    let head = Buffer.alloc(0);
    while (head.length < HEAD) {
      const r = await chunks.next();
      if (r.done) break;
      head = Buffer.concat([head, r.value]);
    }
    let sourceError: unknown;
    const all = async function* () {
      if (head.length) yield head;
      try {
        for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
      } catch (err) {
        sourceError = err;
        throw err;
      }
    };
    const format = FORMATS.find((f) => head.subarray(0, f.magic.length).equals(f.magic));
    if (!format) {
      yield* all();
      return;
    }
    const decoder = format.open();
    pipeline(Readable.from(all()), decoder, () => {}); // errors surface through the decoder below
    try {
      for await (const chunk of decoder) yield chunk as Buffer;
    } catch (err) {
      if (err === sourceError) throw err;
      throw failed(`layer is not valid ${format.name}: ${(err as Error).message}`, { code: 'CORRUPT_LAYER', cause: err });
    }
  } finally {
    await chunks.return?.();
  }
}
