/** Layer blobs to plain tar: gzip is recognized by its magic bytes, anything else passes through. */
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { failed } from '../errors.js';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

function zstdUnsupported() {
  return failed('zstd-compressed layers are not supported yet', { code: 'UNSUPPORTED_COMPRESSION' });
}

/**
 * Returns the uncompressed tar of a layer blob. `mediaType` only serves to refuse zstd early;
 * the format is decided by the content. A corrupt or truncated gzip stream errors with
 * code CORRUPT_LAYER.
 */
export function decompress(input: Readable, mediaType?: string): Readable {
  if (mediaType?.includes('zstd')) throw zstdUnsupported();
  return Readable.from(decompressed(input), { objectMode: false });
}

async function* decompressed(input: Readable): AsyncGenerator<Buffer> {
  const chunks: AsyncIterator<Buffer> = input[Symbol.asyncIterator]();
  try {
    let head = Buffer.alloc(0);
    while (head.length < ZSTD_MAGIC.length) {
      const r = await chunks.next();
      if (r.done) break;
      head = Buffer.concat([head, r.value]);
    }
    const all = async function* () {
      if (head.length) yield head;
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
    };
    if (head.subarray(0, ZSTD_MAGIC.length).equals(ZSTD_MAGIC)) throw zstdUnsupported();
    if (!head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) {
      yield* all();
      return;
    }
    const gunzip = createGunzip();
    pipeline(Readable.from(all()), gunzip, () => {}); // errors surface through gunzip below
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code?.startsWith('Z_')) throw err;
      throw failed(`layer is not valid gzip: ${(err as Error).message}`, { code: 'CORRUPT_LAYER', cause: err });
    }
  } finally {
    await chunks.return?.();
  }
}
