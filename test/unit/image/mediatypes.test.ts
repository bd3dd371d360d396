import assert from 'node:assert/strict';
import * as mt from '../../../src/image/mediatypes.js';

describe('image/mediatypes', () => {
  it('accepts all four manifest types', () => {
    assert.deepEqual([...mt.MANIFEST_ACCEPT].sort(), [mt.DOCKER_MANIFEST, mt.DOCKER_MANIFEST_LIST, mt.OCI_INDEX, mt.OCI_MANIFEST].sort());
  });

  it('classifies indexes and manifests, ignoring parameters', () => {
    assert.ok(mt.isIndex(mt.OCI_INDEX) && mt.isIndex(mt.DOCKER_MANIFEST_LIST));
    assert.ok(mt.isManifest(`${mt.OCI_MANIFEST}; charset=utf-8`) && mt.isManifest(mt.DOCKER_MANIFEST));
    assert.ok(!mt.isIndex(mt.OCI_MANIFEST) && !mt.isManifest(mt.OCI_INDEX) && !mt.isManifest('application/json'));
  });

  it('knows each layer type compression', () => {
    const table: [string, string | undefined][] = [
      [mt.OCI_LAYER, 'none'],
      [mt.OCI_LAYER_GZIP, 'gzip'],
      [mt.OCI_LAYER_ZSTD, 'zstd'],
      [mt.OCI_LAYER_ND, 'none'],
      [mt.OCI_LAYER_ND_GZIP, 'gzip'],
      [mt.OCI_LAYER_ND_ZSTD, 'zstd'],
      [mt.DOCKER_LAYER, 'gzip'],
      [mt.DOCKER_FOREIGN_LAYER, 'gzip'],
      [mt.OCI_CONFIG, undefined],
      ['application/octet-stream', undefined],
    ];
    for (const [type, want] of table) assert.equal(mt.layerCompression(type), want, type);
  });
});
