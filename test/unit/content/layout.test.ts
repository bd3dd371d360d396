/**
 * The store's on-disk names: every name layout.ts makes is read back as what it is, in the
 * directory it is made in, and as nothing else; names of one kind are never taken for another.
 */
import assert from 'node:assert/strict';
import { basename, dirname, join, relative } from 'node:path';
import {
  BLOBS,
  blobPath,
  classify,
  containerDir,
  CONTAINERS,
  importerTempPath,
  INGEST,
  ingestLockPath,
  ingestTempPath,
  layerDir,
  layerLockPath,
  LAYERS,
  leasePath,
  LEASES,
  lockTempPath,
  parseLeftoverName,
  partialPath,
  STORE_DIRS,
  streamTempPath,
  stagingPath,
  inPlaceMarkerPath,
  wclayerTempPath,
  storeRelative,
  takeoverPath,
  type StoreDir,
  type StoreName,
} from '../../../src/content/layout.js';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';

const root = join('/', 'store');
const hex = 'ab'.repeat(32);
const digest = `sha256:${hex}` as const;
const pid = process.pid;

/** Where a made path lies: its store directory and its name there. */
function placed(path: string): { dir: StoreDir; entry: string } {
  const dir = relative(root, dirname(path)).split('\\').join('/') as StoreDir;
  assert.ok(STORE_DIRS.includes(dir), `${path} lies in no store directory`);
  return { dir, entry: basename(path) };
}

const family = (kind: StoreName['kind']) => (['blob', 'layer', 'container'].includes(kind) ? 'id' : kind);

/** Every name the module makes, with what it must be read back as. */
const made: Array<[string, string, StoreName]> = [
  ['blob', blobPath(root, digest), { kind: 'blob', digest }],
  ['partial', partialPath(root, digest), { kind: 'partial', digest }],
  ['download lock', ingestLockPath(root, digest), { kind: 'lock', digest }],
  ['download takeover lock', takeoverPath(ingestLockPath(root, digest)), { kind: 'takeover', digest }],
  ['download lock temp', lockTempPath(ingestLockPath(root, digest)), { kind: 'lock-temp', pid }],
  ['download takeover temp', lockTempPath(takeoverPath(ingestLockPath(root, digest))), { kind: 'lock-temp', pid }],
  ['blob temp', ingestTempPath(root, digest), { kind: 'ingest-temp', digest, pid }],
  ['stream temp', streamTempPath(root), { kind: 'stream-temp', pid }],
  ['layer', layerDir(root, digest), { kind: 'layer', chainId: digest }],
  ['layer lock', layerLockPath(root, digest), { kind: 'lock', digest }],
  ['layer takeover lock', takeoverPath(layerLockPath(root, digest)), { kind: 'takeover', digest }],
  ['layer lock temp', lockTempPath(layerLockPath(root, digest)), { kind: 'lock-temp', pid }],
  ['layer takeover temp', lockTempPath(takeoverPath(layerLockPath(root, digest))), { kind: 'lock-temp', pid }],
  ['staging', stagingPath(layerDir(root, digest)), { kind: 'staging', chainId: digest, pid }],
  ['importer temp for a layer', importerTempPath(stagingPath(layerDir(root, digest))), { kind: 'importer-temp', pid }],
  ['in-place import marker', inPlaceMarkerPath(layerDir(root, digest)), { kind: 'in-place-marker', chainId: digest, pid }],
  ['wclayer temp', wclayerTempPath(layerDir(root, digest)), { kind: 'wclayer-temp', pid }],
  ['container', containerDir(root, hex), { kind: 'container', cid: hex }],
  ['importer temp for a container', importerTempPath(containerDir(root, hex)), { kind: 'importer-temp', pid }],
  ['install lease', leasePath(root, 'install'), { kind: 'lease', lease: 'install', pid }],
  ['delete lease', leasePath(root, 'delete'), { kind: 'lease', lease: 'delete', pid }],
];

describe('content/layout: the names of the store', () => {
  for (const [what, path, expected] of made) {
    it(`reads the ${what} back as what it is, and elsewhere as nothing else`, () => {
      const { dir, entry } = placed(path);
      assert.deepEqual(classify(dir, entry), expected, `${dir}/${entry}`);
      for (const other of STORE_DIRS.filter((d) => d !== dir)) {
        // Elsewhere a name is nothing, or the same form: a bare id (blob, layer, container), a lock, an importer's temp.
        const there = classify(other, entry);
        assert.ok(there === undefined || family(there.kind) === family(expected.kind), `${other}/${entry} read as ${JSON.stringify(there)}`);
      }
    });
  }

  it('makes every name only once: two calls never give the same temp, staging or lease name', () => {
    const makers = [
      () => ingestTempPath(root, digest),
      () => streamTempPath(root),
      () => stagingPath(layerDir(root, digest)),
      () => inPlaceMarkerPath(layerDir(root, digest)),
      () => wclayerTempPath(layerDir(root, digest)),
      () => importerTempPath(layerDir(root, digest)),
      () => lockTempPath(ingestLockPath(root, digest)),
      () => leasePath(root, 'install'),
    ];
    for (const make of makers) assert.notEqual(make(), make());
  });

  it('gives the pid only of names made to be thrown away or renamed', () => {
    for (const [what, path, expected] of made) {
      const { dir, entry } = placed(path);
      const leftover = parseLeftoverName(dir, entry);
      if ('pid' in expected) assert.deepEqual(leftover, expected, what);
      else assert.equal(leftover, undefined, what);
    }
  });

  it('reads the names older versions made, and a stopped process left', () => {
    // mkdtemp's six random characters, and test data's hand-made names.
    assert.deepEqual(classify(LAYERS, '.tmp-4242-Xa9bzQ'), { kind: 'importer-temp', pid: 4242 });
    assert.deepEqual(classify(CONTAINERS, '.tmp-4242-abc'), { kind: 'importer-temp', pid: 4242 });
    assert.deepEqual(classify(LEASES, 'install-4242-1'), { kind: 'lease', lease: 'install', pid: 4242 });
    assert.deepEqual(classify(INGEST, `.tmp-4242-0c0d-${hex}.lock`), { kind: 'lock-temp', pid: 4242 });
  });

  it('takes no stranger for one of its names', () => {
    const strangers: Array<[StoreDir, string]> = [
      [BLOBS, hex.toUpperCase()],
      [BLOBS, `${hex}0`],
      [BLOBS, `${hex}.partial`],
      [INGEST, hex],
      [INGEST, `${hex}.partial.old`],
      [INGEST, `${hex}.0.0a`],
      [INGEST, `${hex}.lock.old`],
      [INGEST, '.stream-0-0a'],
      [INGEST, '.stream-12-0a.tar'],
      [LAYERS, `.importing-${pid}-0a0b-${hex.slice(1)}`],
      [LAYERS, '.tmp-x-1'],
      [LAYERS, `${hex}.partial`],
      [CONTAINERS, `${hex}.lock`],
      [LEASES, 'Install-12-1'],
      [LEASES, 'install-12'],
      [LEASES, hex],
    ];
    for (const [dir, entry] of strangers) assert.equal(classify(dir, entry), undefined, `${dir}/${entry}`);
  });

  it('derives a layer or container directory, or a blob path, only from an id of 64 lowercase hex digits', () => {
    assert.equal(layerDir(root, `sha256:${hex}`), join(root, 'layers', hex));
    assert.equal(containerDir(root, hex), join(root, 'containers', hex));
    const bad = (err: unknown) => err instanceof CtrimgError && err.code === 'BAD_IDENTITY' && err.exitCode === 1;
    for (const id of ['', '.', '..', `../${hex}`, hex.toUpperCase(), hex.slice(1), `${hex}/x`, `${hex}0`, `sha256:${hex}`]) {
      assert.throws(() => containerDir(root, id), bad, JSON.stringify(id));
    }
    for (const id of ['', 'sha256:', 'sha256:.', hex, `sha512:${hex}`, `sha256:${hex}/..`, `sha256:${hex.toUpperCase()}`, 'sha256:../../ctrimg.db']) {
      assert.throws(() => layerDir(root, id), bad, JSON.stringify(id));
      assert.throws(() => layerLockPath(root, id), bad, JSON.stringify(id));
      // Blob digests come from the database as strings too (gc, repair).
      for (const make of [blobPath, partialPath, ingestLockPath, ingestTempPath]) assert.throws(() => make(root, id as Digest), bad, `${make.name} ${JSON.stringify(id)}`);
    }
  });

  it('names paths relative to the root with forward slashes', () => {
    assert.equal(storeRelative(root, blobPath(root, digest)), `blobs/sha256/${hex}`);
    assert.equal(storeRelative(root, join('/', 'elsewhere', 'x')), join('/', 'elsewhere', 'x'));
  });
});
