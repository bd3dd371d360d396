/**
 * The dir importer on a full disk: a 2 MiB tmpfs holds the store, and a layer (or a container
 * filesystem) bigger than that fails with one NO_SPACE error saying where, leaves no temp
 * directory, and gives every byte of the failed attempt back.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import { DirImporter } from '../../../src/importers/dir.js';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.js';
import { file, tarStream } from '../../support/tars.js';

const importer = new DirImporter();
const MiB = 1 << 20;

describe('importers/dir on a full disk', function () {
  this.timeout(30_000);
  let disk: Tmpfs | undefined;
  let mountPoint: string;
  let layers: string;

  before(async () => {
    disk = await mountTmpfs('2m');
    mountPoint = disk.path;
    layers = join(mountPoint, 'layers');
    await mkdir(layers);
  });
  after(() => disk?.unmount());

  const isNoSpace = (dest: string) => (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.code, 'NO_SPACE');
    assert.match(err.message, /disk is full/);
    assert.ok(err.message.includes(dest), err.message);
    return true;
  };

  it('fails a layer bigger than the disk with NO_SPACE, leaving nothing and reclaiming the space', async () => {
    const before = await disk!.freeBytes();
    assert.ok(before <= 2 * MiB, `the tmpfs is small: ${before} bytes free`);
    const dest = join(layers, 'big');
    const tar = await tarStream([file('small', 'x'), file('big.bin', 'x'.repeat(3 * MiB))]);
    await assert.rejects(importer.importLayer(tar, dest, { parents: [] }), isNoSpace(dest));
    assert.deepEqual(await readdir(layers), [], 'no temp directory and no layer');
    assert.equal(await disk!.freeBytes(), before, 'the space of the failed attempt is back');
  });

  it('fails the same way when the disk fills with small files written side by side', async () => {
    const before = await disk!.freeBytes();
    const dest = join(layers, 'many');
    const files = Array.from({ length: 64 }, (_, i) => file(`d/f${i}`, String(i % 10).repeat(64 * 1024)));
    await assert.rejects(importer.importLayer(await tarStream(files), dest, { parents: [] }), isNoSpace(dest));
    assert.deepEqual(await readdir(layers), [], 'no temp directory and no layer');
    assert.equal(await disk!.freeBytes(), before, 'the space of the failed attempt is back');
  });

  it('fails a container filesystem that does not fit with NO_SPACE, leaving its layer alone', async () => {
    const layer = join(layers, 'fits');
    await importer.importLayer(await tarStream([file('data.bin', 'd'.repeat(1.2 * MiB))]), layer, { parents: [] });
    const before = await disk!.freeBytes();
    const dest = join(mountPoint, 'containers', 'c');
    await assert.rejects(importer.createContainer(dest, [layer]), isNoSpace(dest));
    assert.deepEqual(await readdir(join(mountPoint, 'containers')), []);
    assert.deepEqual(await readdir(layer), ['data.bin']);
    assert.equal(await disk!.freeBytes(), before);
    await importer.removeLayer(layer);
  });
});
