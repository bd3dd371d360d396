import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../store/index.js';
import { CtrimgError } from '../../../src/errors.js';
import { requestedImporter } from '../../../src/importers/kinds.js';
import { createImporter, defaultImporter, resolveImporter } from '../../../src/importers/select.js';

describe('importers/select', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-select-'));
    store = Store.open(join(dir, 'ctrimg.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addLayer = () =>
    store.layers.ensure({ chainId: 'sha256:1', diffId: 'sha256:1', blobDigest: 'sha256:2', mediaType: 'x', size: 1, contentBytes: null });
  const isUsage = (err: unknown) => err instanceof CtrimgError && err.exitCode === 2;

  it('defaults to hcs on Windows and dir elsewhere, and records what a new store got', () => {
    assert.equal(defaultImporter('win32'), 'hcs');
    assert.equal(defaultImporter('linux'), 'dir');
    assert.equal(resolveImporter(store, undefined, 'win32'), 'hcs');
    assert.equal(store.settings.get('importer'), 'hcs');
    // Recorded beats the platform default.
    assert.equal(resolveImporter(store, undefined, 'linux'), 'hcs');
  });

  it('lets an empty store switch, and refuses the other kind once it has layers or containers', () => {
    assert.equal(resolveImporter(store, 'hcs', 'linux'), 'hcs');
    assert.equal(resolveImporter(store, 'dir', 'linux'), 'dir');
    addLayer();
    assert.throws(() => resolveImporter(store, 'hcs', 'linux'), (err: unknown) => isUsage(err) && /made by the 'dir' importer; 'hcs' cannot/.test((err as Error).message));
    assert.equal(resolveImporter(store, 'dir', 'win32'), 'dir');
    assert.equal(store.settings.get('importer'), 'dir');
  });

  it('takes a store filled before the setting existed for dir', () => {
    addLayer();
    assert.equal(store.settings.get('importer'), undefined);
    assert.equal(resolveImporter(store, undefined, 'win32'), 'dir');
    assert.throws(() => resolveImporter(store, 'hcs', 'win32'), isUsage);
  });

  it('reads -Importer first, then $CTRIMG_IMPORTER, and refuses an unknown kind', () => {
    assert.equal(requestedImporter('hcs', { CTRIMG_IMPORTER: 'dir' }), 'hcs');
    assert.equal(requestedImporter(undefined, { CTRIMG_IMPORTER: 'HCS' }), 'hcs');
    assert.equal(requestedImporter(undefined, { CTRIMG_IMPORTER: '' }), undefined);
    assert.equal(requestedImporter(undefined, {}), undefined);
    assert.throws(() => requestedImporter(undefined, { CTRIMG_IMPORTER: 'zfs' }), isUsage);
    assert.equal(createImporter('hcs', { reserve: 0, root: '/store' }, {}).kind, 'hcs');
    assert.equal(createImporter('dir', { reserve: 0, root: '/store' }, {}).kind, 'dir');
  });
});
