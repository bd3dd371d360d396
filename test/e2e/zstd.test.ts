/**
 * A zstd-compressed layer (`tar+zstd`) installed through the executable from a real registry:
 * the container holds the layer's files, and a corrupt zstd layer fails with CORRUPT_LAYER
 * leaving nothing installed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compress as zstdCompress } from 'zstd-napi';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { readTree } from '../support/fixtures.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
const hash = (s: string | Buffer) => `file:${createHash('sha256').update(s).digest('hex')}`;

describe('end to end: zstd layers', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let root: string;

  before(async () => {
    registry = await startRegistry();
    root = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-zstd-'));
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('installs an image with a zstd layer over a gzip one and builds its container from them', async () => {
    const big = Buffer.alloc(3 << 20, 'zstd layer payload ');
    const base = await tarFromEntries([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=zstd-test\n' }]);
    const top = await tarFromEntries([{ name: 'app/', type: 'directory' }, { name: 'app/big.bin', content: big }, { name: 'etc/os-release', content: 'ID=zstd-top\n' }]);
    const img = await publishImage(registry.host, {
      repo: 'samples/zstdapp',
      tag: '1.0',
      layers: [{ tar: base }, { tar: top, rawBlob: zstdCompress(top), mediaType: ZSTD }],
    });
    assert.equal(img.layerDescriptors[1]!.mediaType, ZSTD);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    const [image] = await ctrimgJson(root, ['Get-ContainerImage', '-Name', 'zstdapp']);
    assert.equal(image!.Name, 'zstdapp');
    await ctrimgJson(root, ['New-Container', '-ContainerImageName', 'zstdapp', '-Name', 'z1']);
    const [c] = await ctrimgJson(root, ['Get-Container', '-Name', 'z1']);
    assert.deepEqual(await readTree(String(c!.Path)), {
      app: 'dir',
      'app/big.bin': hash(big),
      etc: 'dir',
      'etc/os-release': hash('ID=zstd-top\n'),
    });
  });

  it('refuses a corrupt zstd layer with CORRUPT_LAYER in one line and installs nothing', async () => {
    const tar = await tarFromEntries([{ name: 'a.txt', content: 'x'.repeat(100_000) }]);
    const bad = zstdCompress(tar);
    bad.fill(0xff, 4, 40);
    const img = await publishImage(registry.host, { repo: 'samples/badzstd', tag: '1.0', layers: [{ tar, rawBlob: bad, mediaType: ZSTD }] });
    const before = await ctrimgJson(root, ['Get-ContainerImage']);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(r.code, 1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Install-ContainerImage:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /layer is not valid zstd: \S/);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), before);
  });
});
