/**
 * The dir importer's copies and the free-space reserve: a layer's hard links to parent layer
 * files are copies, and so is every file of a container's tree, so a few tar bytes can write
 * many bytes. On a 64 MiB tmpfs with 24 MiB kept free, what would cross the line fails with
 * NO_SPACE before it writes, leaves no temp directory and gives back what it wrote.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import { DirImporter } from '../../../src/importers/dir.js';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.js';
import { file, hardlink, tarStream } from '../../support/tars.js';

const MiB = 1 << 20;
const RESERVE = 24 * MiB;
const importer = new DirImporter(RESERVE);
/** The parent layer: eight 4 MiB files, f0 to f7. */
const PARENT_FILES = Array.from({ length: 8 }, (_, i) => `f${i}`);

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
    await importer.importLayer(await tarStream(PARENT_FILES.map((f) => file(f, f.repeat(2 * MiB)))), parent, { parents: [] });
  });
  after(() => disk?.unmount());

  const isReserveKept = (dest: string, what: RegExp) => (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.code, 'NO_SPACE');
    assert.match(err.message, what);
    assert.match(err.message, /the disk is full \([\d.]+ MiB free in .*, and 24\.0 MiB is kept free\)/);
    assert.ok(err.message.includes(dest), err.message);
    assert.match(err.hint ?? '', /lower CTRIMG_FREE_SPACE_RESERVE/);
    return true;
  };

  it('stops a small layer of hard links to large parent files before the copies cross the reserve', async () => {
    const before = await disk!.freeBytes();
    assert.ok(before > RESERVE + 4 * MiB && before < RESERVE + 32 * MiB, `${before} bytes free`);
    // A few KiB of tar, 32 MiB of copies.
    const links = PARENT_FILES.map((f) => hardlink(`copy-of-${f}`, f));
    const dest = join(layers, 'links');
    await assert.rejects(
      importer.importLayer(await tarStream(links), dest, { parents: [parent] }),
      isReserveKept(dest, /hard link 'copy-of-f\d' -> 'f\d', a copy of the parent layer's file, 4\.0 MiB\)/),
    );
    assert.deepEqual(await readdir(layers), ['parent'], 'no temp directory and no layer');
    assert.equal(await disk!.freeBytes(), before, 'the copies made are given back');
  });

  it('still copies hard links that fit above the reserve, each parent file once', async () => {
    const dest = join(layers, 'fits');
    const before = await disk!.freeBytes();
    const links = Array.from({ length: 20 }, (_, i) => hardlink(`copy${i}`, 'f0'));
    await importer.importLayer(await tarStream(links), dest, { parents: [parent] });
    assert.equal((await readdir(dest)).length, 20);
    assert.ok(before - (await disk!.freeBytes()) < 5 * MiB, 'twenty links to a 4 MiB file took one copy');
    await importer.removeLayer(dest);
  });

  it('stops a container tree that would cross the reserve, leaving no container directory', async () => {
    const before = await disk!.freeBytes();
    const dest = join(containers, 'c');
    await assert.rejects(importer.createContainer(dest, [parent]), isReserveKept(dest, /^cannot create container filesystem at /));
    assert.deepEqual(await readdir(containers), [], 'no temp directory and no container');
    assert.equal(await disk!.freeBytes(), before, 'the files copied are given back');

    const small = join(layers, 'small');
    await importer.importLayer(await tarStream([file('s', 'small')]), small, { parents: [] });
    await importer.createContainer(join(containers, 'small'), [small]);
    assert.deepEqual(await readdir(join(containers, 'small')), ['s'], 'a tree that fits above the reserve is made');
    await importer.removeContainer(join(containers, 'small'));
    await importer.removeLayer(small);
  });
});
