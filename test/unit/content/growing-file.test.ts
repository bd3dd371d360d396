import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrowingFile } from '../../../src/content/growing-file.js';
import type { ByteReader } from '../../../src/layers/decompress.js';

/** Collects a follower's bytes, read into buffers of `size`, and lets a test see how many arrived so far. */
function collect(r: ByteReader, size = 64 * 1024): { bytes(): number; done: Promise<Buffer> } {
  const chunks: Buffer[] = [];
  const done = (async () => {
    try {
      for (;;) {
        const into = Buffer.alloc(size);
        const n = await r.read(into);
        if (n === 0) return Buffer.concat(chunks);
        chunks.push(into.subarray(0, n));
      }
    } finally {
      await r.close();
    }
  })();
  done.catch(() => {});
  return { bytes: () => chunks.reduce((n, c) => n + c.length, 0), done };
}

/** A GrowingFile whose `waits()` settles the next time a follower waits for bytes. */
function observed(): { file: GrowingFile; waits(): Promise<void> } {
  let next: (() => void) | undefined;
  const file = new GrowingFile({ waiting: () => next?.() });
  return { file, waits: () => new Promise<void>((resolve) => (next = resolve)) };
}

describe('GrowingFile', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ctrimg-growing-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives a follower exactly the bytes written so far, then the rest as it is written, ending at commit', async () => {
    const partial = join(dir, 'x.partial');
    const blob = join(dir, 'x');
    const { file, waits } = observed();
    let waiting = waits();
    const reader = collect(file.follow());
    await waiting;
    assert.equal(reader.bytes(), 0, 'nothing before writing starts');

    await writeFile(partial, 'abc');
    // Bytes on disk but not yet announced are never read: they may still be in flight.
    await appendFile(partial, 'def');
    waiting = waits();
    file.start(partial, 3);
    await waiting;
    assert.equal(reader.bytes(), 3);
    waiting = waits();
    file.advance(3);
    await waiting;
    assert.equal(reader.bytes(), 6);

    await appendFile(partial, 'ghi');
    file.advance(3);
    await rename(partial, blob);
    file.commit(blob);
    assert.equal((await reader.done).toString(), 'abcdefghi');
  });

  it('serves a follower that starts after the commit from the committed file', async () => {
    const blob = join(dir, 'y');
    await writeFile(blob, 'whole blob');
    const file = new GrowingFile();
    file.commit(blob);
    assert.equal((await collect(file.follow()).done).toString(), 'whole blob');
  });

  it('finds the committed file when the partial was renamed before the follower opened it', async () => {
    const partial = join(dir, 'z.partial');
    const blob = join(dir, 'z');
    await writeFile(partial, 'renamed');
    const { file, waits } = observed();
    file.start(partial, 7);
    await rename(partial, blob); // the follower has not opened it yet
    const waiting = waits();
    const reader = collect(file.follow());
    await waiting; // it found no partial, and waits
    file.commit(blob);
    assert.equal((await reader.done).toString(), 'renamed');
  });

  it('fails every follower, waiting or not yet started, with the writer\'s error', async () => {
    const partial = join(dir, 'w.partial');
    await writeFile(partial, '12345');
    const { file, waits } = observed();
    file.start(partial, 5);
    const waiting = waits();
    const early = collect(file.follow());
    await waiting;
    assert.equal(early.bytes(), 5);
    const boom = new Error('connection reset');
    file.fail(boom);
    await assert.rejects(early.done, (e) => e === boom);
    await assert.rejects(collect(file.follow()).done, (e) => e === boom);
  });

  it('lets several followers read at their own pace', async () => {
    const partial = join(dir, 'v.partial');
    const file = new GrowingFile();
    const a = collect(file.follow());
    await writeFile(partial, Buffer.alloc(600_000, 1));
    file.start(partial, 600_000);
    const b = collect(file.follow());
    await rename(partial, join(dir, 'v'));
    file.commit(join(dir, 'v'));
    assert.equal((await a.done).length, 600_000);
    assert.equal((await b.done).length, 600_000);
  });

  it('fills at most the buffer it is given, and reads on into the next from where it stopped', async () => {
    const blob = join(dir, 'u');
    const bytes = Buffer.from('0123456789abcdefghij');
    await writeFile(blob, bytes);
    const file = new GrowingFile();
    file.commit(blob);
    assert.deepEqual(await collect(file.follow(), 3).done, bytes);
  });

  it('lets a reader waiting for bytes not yet written go when it is closed: its read gives 0', async () => {
    const partial = join(dir, 't.partial');
    await writeFile(partial, 'ab');
    const file = new GrowingFile();
    file.start(partial, 2);
    const reader = file.follow();
    assert.equal(await reader.read(Buffer.alloc(10)), 2);
    const waiting = reader.read(Buffer.alloc(10));
    await reader.close();
    assert.equal(await waiting, 0);
    assert.equal(await reader.read(Buffer.alloc(10)), 0, 'closed stays closed');
  });
});
