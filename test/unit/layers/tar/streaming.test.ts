/**
 * The reader streams: an entry's data is read only as the consumer asks for it, data left
 * unread is skipped, and stopping (breaking out, a destroyed input) settles everything.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readTar, type TarEntry } from '../../../../src/layers/tar/reader.js';
import { END, entry, headerBlock } from '../../../support/tar-blocks.js';

const CHUNK = 64 * 1024;

/**
 * An archive made as it is read: `bigSize` bytes of data in the entry 'big', then a small entry
 * 'after'. `produced` counts the bytes handed to the reader so far.
 */
function producer(bigSize: number) {
  const pad = -bigSize & 511;
  const parts: (() => Buffer | null)[] = [];
  let left = bigSize;
  const state = { produced: 0, stream: undefined as unknown as Readable };
  parts.push(() => headerBlock({ name: 'big', size: bigSize }));
  const data = Buffer.alloc(CHUNK, 0x5a);
  state.stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      let chunk: Buffer | null;
      if (parts.length > 0) chunk = parts.shift()!();
      else if (left > 0) {
        chunk = data.subarray(0, Math.min(CHUNK, left));
        left -= chunk.length;
        if (left === 0) parts.push(() => Buffer.concat([Buffer.alloc(pad), entry({ name: 'after' }, 'tail'), END]), () => null);
      } else chunk = null;
      if (chunk) state.produced += chunk.length;
      this.push(chunk);
    },
  });
  return state;
}

describe('layers/tar/reader: streaming', () => {
  it('reads a 200 MB entry no faster than a slow consumer, holding a few chunks at most', async function () {
    this.timeout(60_000);
    const size = 200 * 1024 * 1024 + 123;
    const p = producer(size);
    let consumed = 512;
    let ahead = 0;
    let n = 0;
    const names: string[] = [];
    for await (const e of readTar(p.stream)) {
      names.push(e.header.name.toString());
      if (e.header.name.toString() !== 'big') continue;
      for await (const chunk of e) {
        consumed += chunk.length;
        ahead = Math.max(ahead, p.produced - consumed);
        // A slow consumer: give the event loop (and any read-ahead) a turn every few chunks.
        if (++n % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    assert.deepEqual(names, ['big', 'after']);
    assert.equal(consumed, 512 + size);
    assert.ok(ahead <= 3 * CHUNK, `the reader got ${ahead} bytes ahead of its consumer`);
  });

  it('skips the data of an entry left unread, without holding it', async function () {
    this.timeout(60_000);
    const size = 200 * 1024 * 1024;
    const p = producer(size);
    const seen: [string, string][] = [];
    let heapGrowth = 0;
    const heap = process.memoryUsage().heapUsed;
    for await (const e of readTar(p.stream)) {
      const chunks: Buffer[] = [];
      if (e.header.name.toString() === 'after') for await (const c of e) chunks.push(c);
      seen.push([e.header.name.toString(), Buffer.concat(chunks).toString()]);
      heapGrowth = Math.max(heapGrowth, process.memoryUsage().heapUsed - heap);
    }
    assert.deepEqual(seen, [
      ['big', ''],
      ['after', 'tail'],
    ]);
    assert.ok(p.produced > size, 'the data was not read through');
    assert.ok(heapGrowth < 64 * 1024 * 1024, `the heap grew by ${heapGrowth} bytes`);
  });

  it('destroys the input when the consumer breaks out of the loop', async () => {
    const p = producer(10 * CHUNK);
    for await (const e of readTar(p.stream)) {
      for await (const _ of e) break;
      break;
    }
    assert.ok(p.stream.destroyed);
    assert.ok(p.produced < 10 * CHUNK);
  });

  /** An input that gives a header and one chunk of a larger entry, then nothing more until destroyed. */
  function stalled() {
    let given = false;
    return new Readable({
      read() {
        if (given) return;
        given = true;
        this.push(Buffer.concat([headerBlock({ name: 'stuck', size: 10 * CHUNK }), Buffer.alloc(CHUNK)]));
      },
    });
  }

  for (const how of ['without an error', 'with an error'] as const) {
    it(`settles a consumer waiting for data when the input is destroyed ${how}`, async () => {
      const input = stalled();
      const boom = new Error('boom');
      let got = 0;
      await assert.rejects(
        async () => {
          for await (const e of readTar(input)) {
            for await (const chunk of e) {
              got += chunk.length;
              // The next read waits on an input that gives nothing: destroy it meanwhile.
              setImmediate(() => (how === 'with an error' ? input.destroy(boom) : input.destroy()));
            }
          }
        },
        how === 'with an error' ? (err: unknown) => err === boom : /premature close/i,
      );
      assert.equal(got, CHUNK);
    });
  }

  it("refuses to read an entry's data after the next entry was asked for", async () => {
    const entries: TarEntry[] = [];
    for await (const e of readTar(Readable.from([Buffer.concat([entry({ name: 'a' }, 'A'), entry({ name: 'b' }, 'B'), END])]))) entries.push(e);
    await assert.rejects(async () => {
      for await (const _ of entries[0]!);
    }, /after the next entry was asked for/);
  });
});
