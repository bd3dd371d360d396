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

});
