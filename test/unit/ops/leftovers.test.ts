/**
 * Leftovers of a stopped process: the directories an importer was making go back to that
 * importer (on an hcs store, `wclayer remove`), everything else is deleted.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HcsImporter } from '../../../src/importers/hcs.js';
import { removeLeftovers } from '../../../src/ops/leftovers.js';
import { tempRoot } from '../../support/tars.js';
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

    const removed = await removeLeftovers(root, new HcsImporter(standin.env));

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

    const removed = await removeLeftovers(root, new HcsImporter(standin.env));

    assert.deepEqual(removed.map((l) => [l.path, l.what, l.pid]), [[`ingest/.stream-${dead}-0e0f`, 'stream-temp', dead]]);
    assert.deepEqual(await readdir(join(root, 'ingest')), [`.stream-${process.pid}-0a0b`]);
  });
});
