/** Proves that deliberately broken or unusual images reach the registry byte for byte (skopeo must not "fix" them). */
import assert from 'node:assert/strict';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { gzip, publishImage, sha256, skopeoInspectRaw, tarFromEntries } from '../../support/oci-layout.js';
import { startTokenAuthRegistry } from '../../support/auth.js';

async function blob(reg: RunningRegistry, repo: string, digest: string): Promise<Buffer> {
  const res = await fetch(`${reg.url}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('support: odd images are published verbatim', function () {
  let reg: RunningRegistry;
  before(async function () {
    reg = await startRegistry();
  });
  after(async function () {
    await reg?.stop();
  });

  it('keeps an uncompressed layer uncompressed', async function () {
    const tar = await tarFromEntries([{ name: 'plain.txt', content: 'plain' }]);
    const img = await publishImage(reg.host, { repo: 'odd/plain', tag: '1', layers: [{ tar, compression: 'none' }] });
    assert.equal(img.layerDigests[0], sha256(tar));
    assert.deepEqual(await blob(reg, 'odd/plain', img.layerDigests[0]!), tar);
    assert.equal(sha256(await skopeoInspectRaw(img.reference)), img.manifestDigest);
  });

  it('pushes a corrupt gzip blob and wrong diff ids as given', async function () {
    const tar = await tarFromEntries([{ name: 'x.txt', content: 'x'.repeat(5000) }]);
    const gz = gzip(tar);
    const corrupt = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(40, 0xaa), gz.subarray(60)]);
    const wrong = `sha256:${'0'.repeat(64)}`;
    const img = await publishImage(reg.host, {
      repo: 'odd/corrupt',
      tag: '1',
      layers: [{ tar, rawBlob: corrupt }],
      configOverrides: { rootfs: { type: 'layers', diff_ids: [wrong] } },
    });
    assert.equal(img.layerDigests[0], sha256(corrupt));
    assert.deepEqual(await blob(reg, 'odd/corrupt', img.layerDigests[0]!), corrupt);
    const cfg = JSON.parse((await blob(reg, 'odd/corrupt', img.configDigest)).toString('utf8')) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(cfg.rootfs.diff_ids, [wrong]);
    assert.deepEqual(img.diffIds, [sha256(tar)]);
  });

  it('pushes malicious tars from tarFromEntries unchanged', async function () {
    const tar = await tarFromEntries([
      { name: '../escape', content: 'x' },
      { name: 'ln', type: 'symlink', linkname: '../../outside' },
      { name: 'ln/pwned', content: 'y' },
    ]);
    const img = await publishImage(reg.host, { repo: 'odd/evil', tag: '1', layers: [{ tar }] });
    const { gunzipSync } = await import('node:zlib');
    assert.deepEqual(gunzipSync(await blob(reg, 'odd/evil', img.layerDigests[0]!)), tar);
  });
});

describe('support: token registry with anonymous pull', function () {
  it('grants pull-only tokens without credentials', async function () {
    const t = await startTokenAuthRegistry({ users: { bob: 'pw' }, anonymous: 'pull' });
    try {
      const img = await publishImage(
        t.registry.host,
        { repo: 'pub/img', tag: '1', layers: [{ tar: await tarFromEntries([{ name: 'p', content: 'p' }]) }] },
        { creds: 'bob:pw' },
      );
      const raw = await skopeoInspectRaw(img.reference);
      assert.equal(sha256(raw), img.manifestDigest);
      const anon = t.requests.filter((r) => !r.basic);
      assert.ok(anon.length > 0);
      assert.ok(anon.every((r) => r.granted.every((g) => g.actions.join() === 'pull')));
    } finally {
      await t.stop();
    }
  });
});
