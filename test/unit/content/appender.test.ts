import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { appender } from '../../../src/content/appender.js';

/** `bytes` in pieces of the sizes given, repeated until all are out. */
function pieces(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('content/appender', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ctrimg-appender-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends every chunk in order, through its two buffers, telling each run of bytes once it is on the file', async () => {
    const path = join(dir, 'blob.partial');
    const fh = await open(path, 'a');
    await fh.write(Buffer.from('resumed:'));
    const bytes = randomBytes(3 * 1024 * 1024 + 12345);
    const told: number[] = [];
    let behind = 0;
    await pipeline(
      Readable.from(pieces(bytes, [1, 65536, 700_000, 3, 1024 * 1024, 2 * 1024 * 1024])),
      appender(fh, (n) => {
        told.push(n);
        // What is told is already on the file: the readers following it may read it at once.
        if (statSync(path).size < 'resumed:'.length + told.reduce((a, b) => a + b, 0)) behind++;
      }),
    );
    assert.equal(behind, 0);
    const written = await readFile(path);
    assert.deepEqual(written, Buffer.concat([Buffer.from('resumed:'), bytes]));
    assert.equal(told.reduce((a, b) => a + b, 0), bytes.length);
    assert.ok(told.length >= 4, `${told.length} writes for more than 3 MiB in 1 MiB buffers`);
  });

  it('keeps what it received when the download breaks, for the next attempt to resume after', async () => {
    const path = join(dir, 'broken.partial');
    const bytes = randomBytes(300_000);
    const source = Readable.from(
      (async function* () {
        yield bytes.subarray(0, 100_000);
        yield bytes.subarray(100_000, 250_000);
        throw new Error('connection reset');
      })(),
    );
    let told = 0;
    const sink = appender(await open(path, 'a'), (n) => (told += n));
    await assert.rejects(pipeline(source, sink), /connection reset/);
    // pipeline rejects at the source's error; the appender is done once it has closed.
    if (!sink.closed) await new Promise((resolve) => sink.once('close', resolve));
    assert.deepEqual(await readFile(path), bytes.subarray(0, 250_000));
    assert.equal(told, 250_000);
  });

  it('fails with the error of a write that failed, and closes its file', async () => {
    const path = join(dir, 'ro');
    await (await open(path, 'w')).close();
    // A handle opened for reading only: every write to it fails.
    const fh = await open(path, 'r');
    await assert.rejects(pipeline(Readable.from([Buffer.from('abc')]), appender(fh, () => {})), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
    await assert.rejects(fh.stat(), (err: NodeJS.ErrnoException) => err.code === 'EBADF', 'closed');
  });
});
