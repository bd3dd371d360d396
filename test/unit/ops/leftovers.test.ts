/**
 * Leftovers of a stopped process: the directories an importer was making go back to that
 * importer (on an hcs store, `wclayer remove`), everything else is deleted. A layer imported in
 * place is marked unfinished by a file beside it: the marker takes its layer with it, under the
 * layer's lock and only while no image records the layer.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { formatOwner } from '../../../src/content/owner.js';
import { acquirePidLock } from '../../../src/content/pid-lock.js';
import type { Digest } from '../../../src/image/digest.js';
import { join } from 'node:path';
import { HcsImporter } from '../../../src/importers/hcs.js';
import { removeLeftovers, type LeftoverScope } from '../../../src/ops/leftovers.js';
import { tempRoot } from '../../support/tars.js';
import { hostStandin, NOT_ELEVATED } from '../../support/windows-host-standin.js';
import { deadPid } from '../../support/processes.js';
import { makeStandin, type Standin } from '../../support/wclayer.js';

describe('ops/leftovers on an hcs store', () => {
  let standin: Standin;
  let root: string;
  let cleanup: () => Promise<void>;
  before(async () => (standin = await makeStandin()));
  after(() => standin?.cleanup());
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());
  const scope = (recorded: Digest[] = []): LeftoverScope => ({ root, importer: new HcsImporter(standin.env), layerRecorded: (c) => recorded.includes(c) });

  it('hands half-imported layers and half-made containers to wclayer remove, and deletes the rest', async () => {
    const dead = await deadPid();
    const h = 'a'.repeat(64);
    const importing = join(root, 'layers', `.importing-${dead}-0a0b-${h}`);
    const container = join(root, 'containers', `.tmp-${dead}-xyz`);
    await mkdir(importing, { recursive: true });
    await mkdir(container, { recursive: true });
    // A lock's temp file in layers/ is a plain file, not a layer.
    await writeFile(join(root, 'layers', `.tmp-${dead}-0c0d-${h}.lock`), String(dead));
    await mkdir(join(root, 'ingest'));
    await writeFile(join(root, 'ingest', `${h}.${dead}.0e0f`), 'half a blob');

    const removed = await removeLeftovers(scope());

    assert.equal(removed.length, 4);
    assert.deepEqual((await standin.calls()).map((c) => c.argv).sort(), [['remove', container], ['remove', importing]].sort());
    assert.deepEqual(await readdir(join(root, 'layers')), []);
    assert.deepEqual(await readdir(join(root, 'containers')), []);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
  });

  it("deletes a blob a stopped process was writing before its digest was known, not a running one's", async () => {
    const dead = await deadPid();
    await mkdir(join(root, 'ingest'));
    await writeFile(join(root, 'ingest', `.stream-${dead}-0e0f`), 'half a layer a commit made');
    await writeFile(join(root, 'ingest', `.stream-${process.pid}-0a0b`), 'a layer being written');

    const removed = await removeLeftovers(scope());

    assert.deepEqual(removed.map((l) => [l.path, l.what, l.pid]), [[`ingest/.stream-${dead}-0e0f`, 'stream-temp', dead]]);
    assert.deepEqual(await readdir(join(root, 'ingest')), [`.stream-${process.pid}-0a0b`]);
  });

  describe('a layer a stopped process was importing in place', () => {
    const hex = 'b'.repeat(64);
    const chainId: Digest = `sha256:${hex}`;
    let layer: string;
    let marker: string;
    let dead: number;
    beforeEach(async () => {
      dead = await deadPid();
      await standin.reset();
      layer = join(root, 'layers', hex);
      marker = join(root, 'layers', `.in-place-${dead}-0a0b-${hex}`);
      await mkdir(join(layer, 'Files'), { recursive: true });
      await writeFile(marker, '');
    });

    it('is handed to wclayer remove, then its marker goes', async () => {
      const removed = await removeLeftovers(scope());
      assert.deepEqual(removed.map((l) => [l.what, l.chainId]), [['in-place-marker', chainId]]);
      assert.deepEqual((await standin.calls()).map((c) => c.argv), [['remove', layer]]);
      assert.deepEqual(await readdir(join(root, 'layers')), []);
    });

    it('is kept when an image records the layer (a later install imported it whole); only the marker goes', async () => {
      await removeLeftovers(scope([chainId]));
      assert.deepEqual(await standin.calls(), []);
      assert.deepEqual(await readdir(join(root, 'layers')), [hex]);
    });

    it("waits, marker and lease and all, while a live install holds the layer's lock; the next recovery removes them", async () => {
      // The stopped process's lease stays with the marker: without it, its pid reused by another
      // process would hide the marker from every later recovery.
      const lease = `install-${dead}-0a0b`;
      await mkdir(join(root, 'leases'));
      await writeFile(join(root, 'leases', lease), formatOwner({ pid: dead, start: '1', boot: 'gone', command: 'Install-ContainerImage' }));
      const release = await acquirePidLock(join(root, 'layers', `${hex}.lock`));
      try {
        assert.deepEqual(await removeLeftovers(scope()), []);
      } finally {
        await release();
      }
      assert.deepEqual(await standin.calls(), []);
      assert.deepEqual((await readdir(join(root, 'layers'))).sort(), [marker.split('/').at(-1)!, hex].sort());
      assert.deepEqual(await readdir(join(root, 'leases')), [lease]);
      assert.deepEqual((await removeLeftovers(scope())).map((l) => l.what).sort(), ['in-place-marker', 'lease']);
      assert.deepEqual(await readdir(join(root, 'leases')), []);
      assert.deepEqual((await standin.calls()).map((c) => c.argv), [['remove', layer]]);
      assert.deepEqual(await readdir(join(root, 'layers')), []);
    });

    it('is not touched while the process that marked it runs', async () => {
      const live = join(root, 'layers', `.in-place-${process.pid}-0c0d-${hex}`);
      await rename(marker, live);
      await removeLeftovers(scope());
      assert.deepEqual((await readdir(join(root, 'layers'))).sort(), [live.split('/').at(-1)!, hex].sort());
    });
  });

  it("deletes a stopped wclayer run's temp directory plainly, as wclayer itself does, not through wclayer remove", async () => {
    const dead = await deadPid();
    await standin.reset();
    const temp = join(root, 'layers', `.wclayer-temp-${dead}-0a0b`);
    await mkdir(join(temp, 'hcs123456', 'Files'), { recursive: true });
    await writeFile(join(temp, 'hcs123456', 'Files', 'app.exe'), 'MZ');
    const removed = await removeLeftovers(scope());
    assert.deepEqual(removed.map((l) => l.what), ['wclayer-temp']);
    assert.deepEqual(await standin.calls(), []);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
  });

  it('asks the importer whether it may work here before it removes anything: a process that is not elevated is refused, and nothing goes', async () => {
    const dead = await deadPid();
    await standin.reset();
    const marker = join(root, 'layers', `.in-place-${dead}-0a0b-${'c'.repeat(64)}`);
    await mkdir(join(root, 'layers', 'c'.repeat(64)), { recursive: true });
    await writeFile(marker, '');
    const importer = new HcsImporter(standin.env, { windows: hostStandin({ privileges: NOT_ELEVATED }), root });
    await assert.rejects(removeLeftovers({ root, importer, layerRecorded: () => false }), { code: 'NOT_ELEVATED' });
    assert.deepEqual(await standin.calls(), []);
    assert.equal((await readdir(join(root, 'layers'))).length, 2);
  });
});
