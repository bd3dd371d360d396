import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { parseImageConfig, parseManifest } from '../../../src/image/manifest.js';
import * as mt from '../../../src/image/mediatypes.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const manifest = {
  schemaVersion: 2,
  mediaType: mt.OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D1, size: 10 },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D2, size: 20, urls: ['http://127.0.0.1:1/l'] }],
  annotations: { 'org.opencontainers.image.version': '1.0' },
};

const index = {
  schemaVersion: 2,
  mediaType: mt.OCI_INDEX,
  manifests: [
    { mediaType: mt.OCI_MANIFEST, digest: D1, size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    {
      mediaType: mt.OCI_MANIFEST,
      digest: D2,
      size: 2,
      platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1', 'os.features': ['win32k'] },
    },
  ],
};

function invalid(bytes: Buffer, pattern: RegExp, header?: string) {
  assert.throws(
    () => parseManifest(bytes, header),
    (e: unknown) =>
      e instanceof CtrimgError && e.code === 'MANIFEST_INVALID' && e.kind === 'failed' && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('image/manifest', () => {
  it('parses an OCI manifest', () => {
    const m = parseManifest(json(manifest));
    assert.equal(m.kind, 'manifest');
    if (m.kind !== 'manifest') return;
    assert.equal(m.mediaType, mt.OCI_MANIFEST);
    assert.deepEqual(m.config, manifest.config);
    assert.deepEqual(m.layers, manifest.layers);
    assert.deepEqual(m.annotations, manifest.annotations);
  });

  it('parses an index with platforms', () => {
    const m = parseManifest(json(index));
    assert.equal(m.kind, 'index');
    if (m.kind !== 'index') return;
    assert.deepEqual(m.manifests, index.manifests);
    assert.deepEqual(m.annotations, {});
  });

  it('takes the media type from the header, then the shape, when the body has none', () => {
    const { mediaType: _m, ...bare } = manifest;
    assert.equal(parseManifest(json(bare), `${mt.DOCKER_MANIFEST}; charset=utf-8`).mediaType, mt.DOCKER_MANIFEST);
    assert.equal(parseManifest(json(bare), 'application/json').mediaType, mt.OCI_MANIFEST);
    const { mediaType: _i, ...bareIndex } = index;
    assert.equal(parseManifest(json(bareIndex)).kind, 'index');
  });

  it('parses a Docker manifest list', () => {
    const m = parseManifest(json({ ...index, mediaType: mt.DOCKER_MANIFEST_LIST }));
    assert.equal(m.kind, 'index');
  });

  it('rejects malformed manifests with one line', () => {
    invalid(Buffer.from('{"schemaVersion": 2,\n'), /not JSON/);
    invalid(json([1]), /\$ must be an object/);
    invalid(json({ ...manifest, schemaVersion: 1 }), /schemaVersion/);
    invalid(json({ ...manifest, mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }), /not a supported/);
    invalid(json({ ...manifest, config: { ...manifest.config, digest: 'sha256:xyz' } }), /\$\.config\.digest/);
    invalid(json({ ...manifest, config: { ...manifest.config, size: -1 } }), /\$\.config\.size/);
    invalid(json({ ...manifest, config: { ...manifest.config, size: 1.5 } }), /\$\.config\.size/);
    invalid(json({ ...manifest, layers: [{ digest: D1, size: 1 }] }), /\$\.layers\[0\]\.mediaType/);
    invalid(json({ ...manifest, layers: undefined }), /\$\.layers must be an array/);
    invalid(json({ ...manifest, annotations: { a: 1 } }), /\$\.annotations\.a/);
    invalid(json({ ...index, manifests: [{ ...index.manifests[0], platform: { os: 'linux' } }] }), /platform\.architecture/);
  });

  describe('parseImageConfig', () => {
    const config = {
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.20348.1',
      created: '2024-01-01T00:00:00Z',
      rootfs: { type: 'layers', diff_ids: [D1, D2] },
      history: [{ created_by: 'Apply image', created: '2024-01-01T00:00:00Z' }, { empty_layer: true, comment: 'x' }],
    };

    it('parses os, architecture, diff ids and history', () => {
      assert.deepEqual(parseImageConfig(json(config)), {
        os: 'windows',
        architecture: 'amd64',
        osVersion: '10.0.20348.1',
        created: '2024-01-01T00:00:00Z',
        diffIds: [D1, D2],
        history: [{ createdBy: 'Apply image', created: '2024-01-01T00:00:00Z' }, { emptyLayer: true, comment: 'x' }],
      });
    });

    it('rejects a config without layered rootfs', () => {
      for (const bad of [{ ...config, rootfs: { type: 'other', diff_ids: [] } }, { ...config, rootfs: undefined }, { ...config, rootfs: { type: 'layers', diff_ids: ['x'] } }]) {
        assert.throws(() => parseImageConfig(json(bad)), (e: unknown) => e instanceof CtrimgError && e.code === 'CONFIG_INVALID');
      }
    });
  });
});
