/** FileWrites: small files written on the thread pool, a bounded number at once. */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileWrites } from '../../../src/layers/file-writes.js';
import { tempRoot } from '../../support/tars.js';

describe('layers/file-writes', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  const T = new Date('2019-05-06T07:08:09Z');

  it('writes every file whole, chunk after chunk, with its mode and time', async () => {
    const writes = new FileWrites(4, 1 << 20);
    for (let i = 0; i < 50; i++) {
      await writes.add(`f${i}`, join(root, `f${i}`), [Buffer.from(`file ${i} `), Buffer.from('x'.repeat(i))], { mode: i % 2 ? 0o600 : 0o755, mtime: { sec: T.getTime() / 1000, nsec: 0 } });
    }
    await writes.drain();
    for (let i = 0; i < 50; i++) {
      const path = join(root, `f${i}`);
      assert.equal(await readFile(path, 'utf8'), `file ${i} ${'x'.repeat(i)}`);
      const st = await stat(path);
      assert.equal(st.mode & 0o7777, i % 2 ? 0o600 : 0o755);
      assert.equal(st.mtime.getTime(), T.getTime());
    }
  });

  it('keeps no more than its limit of files in flight', async () => {
    const writes = new FileWrites(3, 1 << 20);
    let most = 0;
    const inFlight = () => ['a', 'b', 'c', 'd', 'e', 'f'].filter((n) => writes.touches(n)).length;
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
      await writes.add(name, join(root, name), [Buffer.from(name)], {});
      most = Math.max(most, inFlight());
    }
    await writes.drain();
    assert.equal(most, 3);
    assert.equal(inFlight(), 0, 'drain leaves nothing in flight');
  });

  it('tells whether a write in flight is at a path, above it or below it', async () => {
    await mkdir(join(root, 'd'));
    const writes = new FileWrites(8, 1 << 20);
    await writes.add('d/f', join(root, 'd/f'), [Buffer.from('x')], {});
    assert.equal(writes.touches('d/f'), true, 'the same path');
    assert.equal(writes.touches('d'), true, 'a directory above it');
    assert.equal(writes.touches('d/f/g'), true, 'a path below it (the file used as a directory)');
    assert.equal(writes.touches('d/ff'), false, 'a sibling that shares a prefix');
    assert.equal(writes.touches('e'), false);
    await writes.drain();
    assert.equal(writes.touches('d/f'), false);
  });

  it('throws the first failure from the next add or drain, after the other writes settled', async () => {
    await writeFile(join(root, 'taken'), 'was here');
    const writes = new FileWrites(2, 1 << 20);
    await writes.add('taken', join(root, 'taken'), [Buffer.from('new')], {});
    await writes.add('ok', join(root, 'ok'), [Buffer.from('ok')], {});
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 10; i++) await writes.add(`more${i}`, join(root, `more${i}`), [Buffer.from('m')], {});
        await writes.drain();
      })(),
      (err: NodeJS.ErrnoException) => err.code === 'EEXIST',
    );
    await writes.settle();
    assert.equal(await readFile(join(root, 'taken'), 'utf8'), 'was here', 'an existing file is never written over');
    assert.equal(await readFile(join(root, 'ok'), 'utf8'), 'ok');
    await assert.rejects(writes.drain(), (err: NodeJS.ErrnoException) => err.code === 'EEXIST', 'the failure stays');
  });
});
