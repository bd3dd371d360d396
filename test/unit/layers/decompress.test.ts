import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import { CtrimgError } from '../../../src/errors.js';
import { decompress, type ByteReader } from '../../../src/layers/decompress.js';
import { file, makeTar, readAll } from '../../support/tars.js';

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

  it('gunzips content starting with the gzip magic', async () => {
    const tar = await makeTar([file('a', 'x'.repeat(100_000))]);
    const gz = gzipSync(tar);
    assert.deepEqual(await readAll(decompress(trickle(gz))), tar);
  });

  it('reads several megabytes through its buffers, never hands on a byte it has read over, and lets go of its reader at the end', async () => {
    const tar = await makeTar([{ name: 'r', data: randomBytes(3 << 20) }, file('t', 'text '.repeat(400_000)), { name: 's', data: randomBytes(2 << 20) }]);
    for (const blob of [tar, gzipSync(tar), zstdCompress(tar)]) {
      // A reader that hands out odd amounts, and scribbles over the rest of every buffer it is given.
      let at = 0;
      let closes = 0;
      const reader: ByteReader = {
        async read(into) {
          into.fill(0xee);
          const n = Math.min(into.length, blob.length - at, 1 + ((at * 7919) % (700 * 1024)));
          blob.copy(into, 0, at, at + n);
          at += n;
          return n;
        },
        async close() {
          closes++;
        },
      };
      // Every chunk is held until the end: one that is a view of a buffer read into again differs.
      assert.deepEqual(await readAll(decompress(reader)), tar);
      assert.ok(closes >= 1, 'a plain tar, as a compressed one, closes the reader (its file) at the end');
    }
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

  it('decompresses zstd, gathered from one-byte chunks, also several frames in a row', async () => {
    const tar = await makeTar([file('a', 'x'.repeat(100_000)), { name: 'b', data: randomBytes(50_000) }]);
    const zst = zstdCompress(tar);
    assert.deepEqual(zst.subarray(0, 4), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    assert.deepEqual(await readAll(decompress(trickle(zst))), tar);
    const half = 30_000;
    const frames = Buffer.concat([zstdCompress(tar.subarray(0, half)), zstdCompress(tar.subarray(half))]);
    assert.deepEqual(await readAll(decompress(Readable.from([frames]))), tar);
  });

  it('streams zstd: output comes before the input has ended', async () => {
    const zst = zstdCompress(randomBytes(4 << 20));
    // The first half of the blob, then a source that never ends.
    const source = new Readable({ read() {} });
    source.push(zst.subarray(0, zst.length >> 1));
    const out = decompress(source);
    const first = (await out[Symbol.asyncIterator]().next()).value as Buffer;
    assert.ok(first.length > 0);
    out.destroy();
    source.destroy();
  });

  it('rejects corrupt or truncated zstd with CORRUPT_LAYER', async () => {
    const zst = zstdCompress(await makeTar([{ name: 'a', data: randomBytes(100_000) }]));
    const corrupt = Buffer.from(zst);
    corrupt.fill(0xff, 4, 40);
    for (const bad of [corrupt, zst.subarray(0, zst.length - 20), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])]) {
      await assert.rejects(
        readAll(decompress(Readable.from([bad]))),
        (err: unknown) => err instanceof CtrimgError && err.code === 'CORRUPT_LAYER' && /^layer is not valid zstd: [^\n]+$/.test(err.message),
      );
    }
  });

  it('passes errors of the source stream through unchanged', async () => {
    const boom = new Error('network down');
    const source = new Readable({ read() { this.destroy(boom); } });
    await assert.rejects(readAll(decompress(source)), (err) => err === boom);
    const zst = zstdCompress(randomBytes(100_000));
    for (const head of [gzipSync(randomBytes(100_000)), zst]) {
      const broken = new Readable({ read() {} });
      broken.push(head.subarray(0, 1000));
      setImmediate(() => broken.destroy(boom));
      await assert.rejects(readAll(decompress(broken)), (err) => err === boom);
    }
  });
});
