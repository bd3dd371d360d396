/**
 * One pass per layer, through the CLI against a real registry: a layer is unpacked while its
 * blob is still downloading (shown by stalling the registry's answer half way through and
 * finding the layer's first files already on disk), the blob crosses the network once, and
 * `-DropLayerBlobs` keeps only manifests and configs while everything else works as before.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { hexOf, publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const FILES = 8;
const FILE_SIZE = 256 * 1024;

describe('end to end: one streaming pass per layer', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let img: PublishedImage;
  const roots: string[] = [];
  const newRoot = async () => {
    const r = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-stream-'));
    roots.push(r);
    return r;
  };

  before(async () => {
    registry = await startRegistry();
    // Random file bodies do not compress: the blob's byte offsets track the tar's.
    const base = await tarFromEntries(Array.from({ length: FILES }, (_, i) => ({ name: `data/f${i}.bin`, content: randomBytes(FILE_SIZE) })));
    const top = await tarFromEntries([{ name: 'etc/top.txt', content: 'the top layer\n' }]);
    img = await publishImage(registry.host, { repo: 'samples/stream', tag: '1.0', layers: [{ tar: base }, { tar: top }] });
    proxy = await startFaultProxy(registry.url);
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });

  const reference = () => `${new URL(proxy.url).host}/samples/stream:1.0`;

  it('unpacks a layer while its blob downloads, fetching each blob once', async () => {
    const root = await newRoot();
    const big = img.layerDigests[0]!;
    const size = img.blobs.get(big)!.length;
    proxy.requests.length = 0;
    proxy.inject(new RegExp(`/blobs/${big}`), { kind: 'stall', after: Math.floor(size * 0.6), ms: 2500 });
    const install = ctrimg(root, ['Install-ContainerImage', '-Reference', reference(), '-Insecure']);
    let finishedEarly = false;
    void install.then(() => (finishedEarly = true));

    // While the registry holds back the last 40% of the blob, the first files are already unpacked.
    let seen: string[] = [];
    for (let i = 0; i < 100 && seen.length === 0 && !finishedEarly; i++) {
      await delay(50);
      // The importer builds in a temp directory that becomes the staging one when it is done.
      const staging = (await readdir(join(root, 'layers')).catch(() => [] as string[])).filter((n) => n.startsWith('.tmp-') || n.startsWith('.importing-'));
      for (const s of staging) seen.push(...(await readdir(join(root, 'layers', s, 'data')).catch(() => [] as string[])));
    }
    const partial = await readdir(join(root, 'ingest'));
    const r = await install;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(seen.length >= 1 && seen.length < FILES, `files unpacked during the stall: ${seen.join(', ')}`);
    assert.ok(partial.includes(`${hexOf(big)}.partial`), 'the download was still in the ingest area');

    const blobGets = proxy.requests.filter((q) => q.path.includes('/blobs/sha256:') && !q.path.includes(img.configDigest));
    assert.equal(blobGets.length, 2, 'one request per layer blob');
    assert.equal(blobGets.find((q) => q.path.includes(big))!.bytesSent, size, 'the blob crossed the network exactly once');
    const [image] = await ctrimgJson(root, ['Get-ContainerImage']);
    assert.equal(image!.Name, 'stream');
  });

  it('-DropLayerBlobs keeps manifests and configs only, and the image works as any other', async () => {
    const root = await newRoot();
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', reference(), '-Insecure', '-DropLayerBlobs']);
    assert.equal(r.code, 0, r.stderr);
    const blobs = (await readdir(join(root, 'blobs', 'sha256'))).sort();
    assert.deepEqual(blobs, [hexOf(img.configDigest), hexOf(img.manifestDigest)].sort());
    assert.deepEqual(await readdir(join(root, 'ingest')), [], 'no partial or lock left');
    assert.equal((await readdir(join(root, 'layers'))).length, 2);

    assert.equal((await ctrimg(root, ['New-Container', '-Name', 'c1', '-ContainerImageName', 'stream'])).code, 0);
    assert.deepEqual(await readdir(join(root, 'containers')).then((c) => c.length), 1);
    assert.equal((await ctrimg(root, ['Remove-Container', '-Name', 'c1', '-Force'])).code, 0);
    const removed = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'stream', '-Force']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
  });

  it('installs again over kept blobs without the network fetching a layer', async () => {
    const root = await newRoot();
    assert.equal((await ctrimg(root, ['Install-ContainerImage', '-Reference', reference(), '-Insecure'])).code, 0);
    // A store holding only the blobs (as after a re-import) unpacks its layers from them.
    const second = await newRoot();
    await cp(join(root, 'blobs'), join(second, 'blobs'), { recursive: true });
    proxy.requests.length = 0;
    const r = await ctrimg(second, ['Install-ContainerImage', '-Reference', reference(), '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    const layerGets = proxy.requests.filter((q) => img.layerDigests.some((d) => q.path.includes(d)));
    assert.deepEqual(layerGets, [], 'no layer blob requested');
    assert.equal((await readdir(join(second, 'layers'))).filter((n) => !n.startsWith('.')).length, 2);
  });
});
