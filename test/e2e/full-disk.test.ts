/**
 * Install-ContainerImage with the store on a full disk, through the real executable: the store
 * root is a 4 MiB tmpfs, and one image's layer blob fits in it but its files do not, another's
 * blob does not fit at all. Each attempt exits 1 with one stderr line saying the disk is full and where, leaves the store exactly as
 * it was (files and rows) and gives back every byte it wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ctrimg } from '../support/ctrimg.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore, type StoreSnapshot } from '../support/store-snapshot.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const MiB = 1 << 20;

describe('end to end: install on a full disk', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let disk: Tmpfs | undefined;
  let root: string;
  let initial: StoreSnapshot;
  let free: number;

  before(async () => {
    registry = await startRegistry();
    // Random bytes do not compress: the blob is as big as the tar.
    const layer = async (size: number) => tarFromEntries([{ name: 'data/', type: 'directory' }, { name: 'data/blob.bin', content: randomBytes(size) }]);
    await publishImage(registry.host, { repo: 'full/unpack', tag: '1.0', layers: [{ tar: await layer(2.5 * MiB) }] });
    await publishImage(registry.host, { repo: 'full/download', tag: '1.0', layers: [{ tar: await layer(5 * MiB) }] });
    disk = await mountTmpfs('4m', 'ctrimg-e2e-full-');
    root = disk.path;
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure']);
    assert.equal(reg.code, 0, reg.stderr);
    initial = await snapshotStore(root);
    free = await disk.freeBytes();
  });
  after(async () => {
    await registry?.stop();
    await disk?.unmount();
  });

  const cases = [
    { what: 'a layer whose blob fits but whose files do not', repo: 'full/unpack' },
    { what: 'a layer whose blob itself does not fit', repo: 'full/download' },
  ];
  for (const c of cases) {
    it(`${c.what}: exit 1, one line, store unchanged, space reclaimed`, async () => {
      const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${registry.host}/${c.repo}:1.0`, '-Quiet']);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^Install-ContainerImage: .*disk is full/);
      assert.ok(lines[0]!.includes(root), lines[0]);
      assert.deepEqual(await snapshotStore(root), initial, 'the store is as it was');
      assert.equal(await disk!.freeBytes(), free, 'the space of the failed attempt is back');
    });
  }
});

describe('end to end: the free-space reserve', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let disk: Tmpfs | undefined;

  before(async () => {
    registry = await startRegistry();
    disk = await mountTmpfs('64m', 'ctrimg-e2e-reserve-');
  });
  after(async () => {
    await registry?.stop();
    await disk?.unmount();
  });

  it('stops a small gzip layer that expands past it with NO_SPACE; the store is as it was and the space back', async () => {
    // 100 MiB of zeros gzips to about 100 KiB: the download fits, the files would fill the disk.
    const bomb = await tarFromEntries([{ name: 'zeros.bin', content: Buffer.alloc(100 * MiB) }]);
    await publishImage(registry.host, { repo: 'full/bomb', tag: '1.0', layers: [{ tar: bomb }] });
    const root = disk!.path;
    const env = { CTRIMG_FREE_SPACE_RESERVE: '32M' };
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure'], { env });
    assert.equal(reg.code, 0, reg.stderr);
    const initial = await snapshotStore(root);
    const free = await disk!.freeBytes();

    // Sampled as the install runs: the reserve is never eaten into (a check lets at most half of what is above it through).
    let lowest = free;
    const sampler = setInterval(() => void disk!.freeBytes().then((f) => (lowest = Math.min(lowest, f))), 5);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${registry.host}/full/bomb:1.0`, '-Quiet'], { env });
    clearInterval(sampler);

    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^Install-ContainerImage: cannot import layer sha256:[0-9a-f]{64}: the disk is full \([\d.]+ MiB free in .*, and 32\.0 MiB is kept free\) \(free some space there and try again, or lower CTRIMG_FREE_SPACE_RESERVE\)$/);
    assert.ok(lines[0]!.includes(root), lines[0]);
    assert.ok(lowest >= 32 * MiB, `free space fell to ${lowest} bytes`);
    assert.deepEqual(await snapshotStore(root), initial, 'the store is as it was');
    assert.equal(await disk!.freeBytes(), free, 'the space of the failed attempt is back');
  });

  it('refuses a setting that is not a size, with a usage error', async () => {
    const r = await ctrimg(disk!.path, ['Get-ContainerImage'], { env: { CTRIMG_FREE_SPACE_RESERVE: 'lots' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CTRIMG_FREE_SPACE_RESERVE 'lots' is not a size \(give bytes, a size such as 512M/);
  });
});
