import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CtrimgError } from '../../src/errors.js';
import { decompress } from '../../src/layers/decompress.js';
import { file, makeTar, readAll } from './tars.js';

/** Splits `bytes` into one-byte chunks first, so that detection must gather its header. */
const trickle = (bytes: Buffer) => {
  const chunks: Buffer[] = [...bytes.subarray(0, 8)].map((b) => Buffer.from([b]));
  return Readable.from([...chunks, bytes.subarray(8)]);
};

describe('layers/decompress', () => {
  it('passes a plain tar through unchanged', async () => {
    const tar = await makeTar([file('a', 'hello')]);
    assert.deepEqual(await readAll(decompress(trickle(tar))), tar);
  });

  it('gunzips content starting with the gzip magic, whatever the media type says', async () => {
    const tar = await makeTar([file('a', 'x'.repeat(100_000))]);
    const gz = gzipSync(tar);
    assert.deepEqual(await readAll(decompress(trickle(gz))), tar);
    assert.deepEqual(await readAll(decompress(Readable.from([gz]), 'application/vnd.oci.image.layer.v1.tar')), tar);
  });

  it('handles empty input', async () => {
    assert.equal((await readAll(decompress(Readable.from([])))).length, 0);
  });

  it('rejects corrupt or truncated gzip with CORRUPT_LAYER', async () => {
    const gz = gzipSync(await makeTar([file('a', 'x'.repeat(10_000))]));
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xff, 10, 40);
    for (const bad of [corrupt, gz.subarray(0, gz.length - 20)]) {
      await assert.rejects(
        readAll(decompress(Readable.from([bad]))),
        (err: unknown) => err instanceof CtrimgError && err.code === 'CORRUPT_LAYER' && /not valid gzip/.test(err.message),
      );
    }
  });

  it('refuses zstd by media type or by magic bytes', async () => {
    const zstd = (err: unknown) => err instanceof CtrimgError && err.code === 'UNSUPPORTED_COMPRESSION';
    assert.throws(() => decompress(Readable.from([]), 'application/vnd.oci.image.layer.v1.tar+zstd'), zstd);
    await assert.rejects(readAll(decompress(Readable.from([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])]))), zstd);
  });

  it('passes errors of the source stream through unchanged', async () => {
    const boom = new Error('network down');
    const source = new Readable({ read() { this.destroy(boom); } });
    await assert.rejects(readAll(decompress(source)), (err) => err === boom);
  });
});
