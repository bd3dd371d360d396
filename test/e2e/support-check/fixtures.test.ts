/** Proves the fixture publisher against a real registry, read back with an independent client (skopeo) and plain fetch. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { MEDIA_TYPES, run, sha256, skopeoInspectRaw, tarFromDir, tarFromEntries } from '../../support/oci-layout.js';
import { corruptRegistryBlob, hardLinked, publishFixtures, readTree, type Fixtures } from '../../support/fixtures.js';

const ACCEPT = [MEDIA_TYPES.manifest, MEDIA_TYPES.index].join(', ');

describe('support: published fixtures', function () {
  let registry: RunningRegistry;
  let fx: Fixtures;

  before(async function () {
    registry = await startRegistry();
    fx = await publishFixtures(registry.host);
  });
  after(async function () {
    await registry?.stop();
  });

  it('skopeo reads back exactly our manifests and index', async function () {
    for (const img of [fx.base, fx.child]) {
      const raw = await skopeoInspectRaw(img.reference);
      assert.equal(sha256(raw), img.manifestDigest);
      assert.deepEqual(raw, img.manifestBytes);
    }
    const rawIndex = await skopeoInspectRaw(fx.multi.reference);
    assert.equal(sha256(rawIndex), fx.multi.indexDigest);
    const index = JSON.parse(rawIndex.toString('utf8')) as { manifests: Array<{ digest: string; platform: Record<string, string> }> };
    assert.equal(index.manifests.length, 2);
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.platform.os, m.platform['os.version']]),
      [
        [fx.multi.linux.manifestDigest, 'linux', undefined],
        [fx.multi.windows.manifestDigest, 'windows', '10.0.17763.1'],
      ],
    );
    const rawWin = await skopeoInspectRaw(`${registry.host}/samples/multi@${fx.multi.windows.manifestDigest}`);
    assert.equal(sha256(rawWin), fx.multi.windows.manifestDigest);
  });

  it('serves manifests over plain fetch with the right Accept header and the published annotations', async function () {
    const res = await fetch(`${registry.url}/v2/samples/webapp/manifests/1.2.0`, { headers: { accept: ACCEPT } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), fx.child.manifestDigest);
    const m = (await res.json()) as { annotations: Record<string, string>; layers: unknown[] };
    assert.equal(m.layers.length, 4);
    assert.equal(m.annotations['org.opencontainers.image.title'], 'WebApp');
    assert.equal(m.annotations['org.opencontainers.image.base.name'], `${registry.host}/samples/nanoserver:10.0.17763.1`);
    assert.equal(m.annotations['org.opencontainers.image.base.digest'], fx.base.manifestDigest);
    assert.equal(m.annotations['org.opencontainers.image.vendor'], undefined);
    assert.deepEqual(fx.child.layerDigests.slice(0, 3), fx.base.layerDigests);
    assert.equal(fx.base.manifest['annotations'] && (fx.base.manifest['annotations'] as Record<string, string>)['org.opencontainers.image.vendor'], 'Microsoft');
  });

  it('config diff_ids are the sha256 of the uncompressed layers', async function () {
    const res = await fetch(`${registry.url}/v2/samples/nanoserver/blobs/${fx.base.configDigest}`);
    const cfg = (await res.json()) as { rootfs: { diff_ids: string[] }; os: string };
    assert.deepEqual(cfg.rootfs.diff_ids, fx.base.diffIds);
    const layer = Buffer.from(await (await fetch(`${registry.url}/v2/samples/nanoserver/blobs/${fx.base.layerDigests[0]}`)).arrayBuffer());
    assert.equal(sha256(layer), fx.base.layerDigests[0]);
    const { gunzipSync } = await import('node:zlib');
    assert.equal(sha256(gunzipSync(layer)), fx.base.diffIds[0]);
  });

  it('expected trees match what GNU tar extracts and whiteouts are applied', async function () {
    const work = await mkdtemp(join(tmpdir(), 'ctrimg-check-'));
    try {
      const layerDir = join(work, 'l1');
      const { mkdir, writeFile } = await import('node:fs/promises');
      await mkdir(layerDir);
      const blob = Buffer.from(await (await fetch(`${registry.url}/v2/samples/nanoserver/blobs/${fx.base.layerDigests[0]}`)).arrayBuffer());
      await writeFile(join(work, 'l1.tgz'), blob);
      await run('tar', ['-xzf', join(work, 'l1.tgz'), '-C', layerDir]);
      assert.deepEqual(await readTree(layerDir), fx.expectedLayerTrees[fx.base.diffIds[0]!]);
      assert.ok(await hardLinked(layerDir, 'bin/hard', 'bin/tool'));
      assert.equal(fx.expectedBaseTree['bin/link'], 'symlink:tool');
      assert.equal(fx.expectedBaseTree['gone.txt'], undefined);
      assert.equal(fx.expectedBaseTree['.wh.gone.txt'], undefined);
      assert.deepEqual(Object.keys(fx.expectedBaseTree).filter((k) => k.startsWith('old/')), ['old/c']);
      assert.ok(Object.keys(fx.expectedBaseTree).some((k) => k.length > 100));
      assert.ok(fx.expectedChildTree['app/app.txt']?.startsWith('file:'));
      assert.equal(fx.expectedBaseTree['app/app.txt'], undefined);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('tarFromDir is deterministic and tarFromEntries writes what it is told', async function () {
    const work = await mkdtemp(join(tmpdir(), 'ctrimg-check-'));
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(work, 'a'), 'x');
      const a = await tarFromDir(work);
      const b = await tarFromDir(work);
      assert.deepEqual(a, b);
      const evil = await tarFromEntries([
        { name: '../escape', content: 'x' },
        { name: '/abs', content: 'y' },
        { name: 'lnk', type: 'symlink', linkname: '/tmp' },
        { name: 'lnk/through', content: 'z' },
      ]);
      await writeFile(join(work, 'evil.tar'), evil);
      const { stdout } = await run('tar', ['-tvf', join(work, 'evil.tar')]);
      const names = stdout.toString('utf8');
      assert.match(names, /\.\.\/escape/);
      assert.match(names, /lnk -> \/tmp/);
      assert.match(names, /lnk\/through/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('corruptRegistryBlob makes the registry serve bytes that no longer match the digest', async function () {
    const digest = fx.multi.linux.layerDigests[0]!;
    await corruptRegistryBlob(registry.dir, digest);
    const res = await fetch(`${registry.url}/v2/samples/multi/blobs/${digest}`);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, fx.multi.linux.layerDescriptors[0]!.size);
    assert.notEqual(sha256(bytes), digest);
  });
});
