/**
 * The dir importer's copies and the free-space reserve: a layer's hard links to a parent
 * layer's file are copies, and so is every file of a container's tree, so a few tar bytes can
 * write many bytes. On a 64 MiB tmpfs with 40 MiB kept free, what would cross the line fails
 * with NO_SPACE before it writes, leaves no temp directory and gives back what it wrote.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CtrimgError } from '../../src/errors.js';
import { DirImporter } from '../../src/importers/dir.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';
import { file, hardlink, tarStream } from '../layers/tars.js';

const MiB = 1 << 20;
const RESERVE = 40 * MiB;
const importer = new DirImporter(RESERVE);

describe('importers/dir and the free-space reserve', function () {
  this.timeout(30_000);
  let disk: Tmpfs | undefined;
  let layers: string;
  let containers: string;
  let parent: string;

  before(async () => {
    disk = await mountTmpfs('64m', 'ctrimg-reserve-');
    layers = join(disk.path, 'layers');
    containers = join(disk.path, 'containers');
    await mkdir(layers);
    await mkdir(containers);
    parent = join(layers, 'parent');
    await importer.importLayer(await tarStream([file('big.bin', 'b'.repeat(4 * MiB))]), parent, { parents: [] });
  });
  after(() => disk?.unmount());

  const isReserveKept = (dest: string, what: RegExp) => (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.code, 'NO_SPACE');
    assert.match(err.message, what);
    assert.match(err.message, /the disk is full \([\d.]+ MiB free in .*, and 40\.0 MiB is kept free\)/);
    assert.ok(err.message.includes(dest), err.message);
    assert.match(err.hint ?? '', /lower CTRIMG_FREE_SPACE_RESERVE/);
    return true;
  };

  it('stops a small layer of hard links to a large parent file before the copies cross the reserve', async () => {
    const before = await disk!.freeBytes();
    assert.ok(before > RESERVE + 12 * MiB && before < RESERVE + 24 * MiB, `${before} bytes free`);
    // Six links: a few KiB of tar, 24 MiB of copies.
    const links = Array.from({ length: 6 }, (_, i) => hardlink(`copy${i}`, 'big.bin'));
    const dest = join(layers, 'links');
    await assert.rejects(
      importer.importLayer(await tarStream(links), dest, { parents: [parent] }),
      isReserveKept(dest, /hard link 'copy\d' -> 'big\.bin', a copy of the parent layer's file, 4\.0 MiB\)/),
    );
    assert.deepEqual(await readdir(layers), ['parent'], 'no temp directory and no layer');
    assert.equal(await disk!.freeBytes(), before, 'the copies made are given back');
  });

  it('still copies hard links that fit above the reserve', async () => {
    const dest = join(layers, 'fits');
    await importer.importLayer(await tarStream([hardlink('copy', 'big.bin')]), dest, { parents: [parent] });
    assert.deepEqual(await readdir(dest), ['copy']);
    await importer.removeLayer(dest);
  });

  it('stops a container tree that would cross the reserve, leaving no container directory', async () => {
    const upper = join(layers, 'upper');
    await importer.importLayer(await tarStream([file('more.bin', 'm'.repeat(12 * MiB))]), upper, { parents: [parent] });
    const before = await disk!.freeBytes();
    assert.ok(before > RESERVE + 4 * MiB && before < RESERVE + 16 * MiB, `${before} bytes free`);
    const dest = join(containers, 'c');
    await assert.rejects(importer.createContainer(dest, [upper, parent]), isReserveKept(dest, /^cannot create container filesystem at /));
    assert.deepEqual(await readdir(containers), [], 'no temp directory and no container');
    assert.equal(await disk!.freeBytes(), before, 'the files copied are given back');

    const small = join(containers, 'small');
    await importer.createContainer(small, [parent]);
    assert.deepEqual(await readdir(small), ['big.bin'], 'a tree that fits above the reserve is made');
    await importer.removeContainer(small);
    await importer.removeLayer(upper);
  });
});
