/** Sparse entries: each run of data at its offset, the file at its real size, the gaps left as holes. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileWrites } from '../../../src/layers/file-writes.js';
import { copyFileData, writeFileData } from '../../../src/layers/sparse.js';
import type { SparseRun } from '../../../src/layers/tar/header.js';
import { tempRoot } from '../../support/tars.js';

const MiB = 1024 * 1024;

/** The file a sparse entry describes, built the plain way: zeros with each run's bytes at its offset. */
function expectedContent(size: number, runs: SparseRun[], data: Buffer): Buffer {
  const out = Buffer.alloc(size);
  let at = 0;
  for (const r of runs) {
    data.copy(out, r.offset, at, at + r.length);
    at += r.length;
  }
  return out;
}

/** Bytes the file system allocated to `path` (stat %b blocks of %B bytes). */
const allocated = (path: string) => {
  const [blocks, unit] = execFileSync('stat', ['-c', '%b %B', path], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return blocks! * unit!;
};

/** `data` cut into chunks of `n` bytes, as a tar stream hands it over. */
function chunks(data: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += n) out.push(data.subarray(i, i + n));
  return out;
}

describe('layers/sparse', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  const T = { sec: 1_600_000_000, nsec: 0 };

  it('writes a large streamed entry run by run, across chunk boundaries, keeping the holes', async () => {
    const size = 64 * MiB;
    const runs = [
      { offset: 0, length: 5000 },
      { offset: 8 * MiB + 3, length: 70_000 },
      { offset: 40 * MiB, length: 1 },
      { offset: size - 4096, length: 0 }, // GNU tar ends a map with an empty run at the end
    ];
    const data = Buffer.alloc(75_001);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 1) % 251 || 1;
    const path = join(root, 'big');
    let finished = false;
    await writeFileData(openSync(path, 'wx', 0o644), chunks(data, 4096), { size, sparse: runs }, () => (finished = true));
    assert.ok(finished);
    assert.equal((await stat(path)).size, size);
    assert.ok((await readFile(path)).equals(expectedContent(size, runs, data)));
    assert.ok(allocated(path) < MiB, `only the runs are allocated, not ${allocated(path)} bytes`);
  });

  it('writes a plain streamed entry in order', async () => {
    const path = join(root, 'plain');
    await writeFileData(openSync(path, 'wx', 0o644), chunks(Buffer.from('abcdefghij'), 3), { size: 10 }, () => {});
    assert.equal(await readFile(path, 'utf8'), 'abcdefghij');
  });

  it('writes small sparse files on the thread pool, a file of only a hole included', async () => {
    const writes = new FileWrites(4, MiB);
    const runs = [
      { offset: 10, length: 3 },
      { offset: 2 * MiB, length: 4 },
    ];
    await writes.add('s', join(root, 's'), [Buffer.from('ab'), Buffer.from('cdefg')], { mode: 0o600, mtime: T }, { runs, size: 3 * MiB });
    await writes.add('hole', join(root, 'hole'), [], {}, { runs: [{ offset: 5 * MiB, length: 0 }], size: 5 * MiB });
    await writes.add('plain', join(root, 'plain'), [Buffer.from('plain')], {});
    await writes.drain();
    assert.ok((await readFile(join(root, 's'))).equals(expectedContent(3 * MiB, runs, Buffer.from('abcdefg'))));
    assert.equal((await stat(join(root, 's'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 's'))).mtimeMs, T.sec * 1000);
    assert.ok(allocated(join(root, 's')) < MiB);
    assert.equal((await stat(join(root, 'hole'))).size, 5 * MiB);
    assert.equal(allocated(join(root, 'hole')), 0);
    assert.equal(await readFile(join(root, 'plain'), 'utf8'), 'plain');
  });

  it('refuses data that does not fit its sparse map, more or less', async () => {
    const runs = [{ offset: 0, length: 4 }];
    await assert.rejects(
      writeFileData(openSync(join(root, 'more'), 'wx'), [Buffer.from('12345')], { size: 10, sparse: runs }, () => {}),
      /more data than its sparse map places/,
    );
    const writes = new FileWrites(4, MiB);
    await writes.add('less', join(root, 'less'), [Buffer.from('12')], {}, { runs, size: 10 });
    await assert.rejects(writes.drain(), /less data than its sparse map places/);
  });

  it('copies a sparse file with its holes kept, replacing a symlink at the destination rather than writing through it', async () => {
    const src = join(root, 'sparse');
    execFileSync('truncate', ['-s', `${16 * MiB}`, src]);
    execFileSync('dd', ['if=/dev/urandom', `of=${src}`, 'bs=4096', 'count=1', 'seek=100', 'conv=notrunc', 'status=none']);
    await mkdir(join(root, 'outside'));
    await writeFile(join(root, 'outside', 'victim'), 'untouched');
    const dst = join(root, 'copy');
    await symlink(join(root, 'outside', 'victim'), dst);
    await copyFileData(src, dst, await lstat(src));
    assert.equal(await readFile(join(root, 'outside', 'victim'), 'utf8'), 'untouched');
    assert.ok((await lstat(dst)).isFile(), 'the symlink was replaced by the copy');
    assert.deepEqual(await readFile(dst), await readFile(src));
    assert.ok((await stat(dst)).blocks * 512 < 1 * MiB, 'the holes stay holes');
  });
});
