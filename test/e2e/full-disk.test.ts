/**
 * Install-ContainerImage with the store on a full disk, through the real executable: the store
 * root is a 4 MiB tmpfs, and one image's layer blob fits in it but its files do not, another's
 * blob does not fit at all. Each attempt exits 1 with one stderr line saying the disk is full and where, leaves the store exactly as
 * it was (files and rows) and gives back every byte it wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
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

  const env = { CTRIMG_FREE_SPACE_RESERVE: '16M' };
  let root: string;

  before(async () => {
    registry = await startRegistry();
    disk = await mountTmpfs('64m', 'ctrimg-e2e-reserve-');
    root = disk.path;
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure'], { env });
    assert.equal(reg.code, 0, reg.stderr);
  });
  after(async () => {
    await registry?.stop();
    await disk?.unmount();
  });

  /**
   * Runs `args` while sampling the free space; the lowest seen comes back with the result. The
   * reserve is never eaten into: a check lets at most half of what is above it through.
   */
  const sampled = async (args: string[]) => {
    let lowest = await disk!.freeBytes();
    const sampler = setInterval(() => void disk!.freeBytes().then((f) => (lowest = Math.min(lowest, f))), 5);
    const r = await ctrimg(root, args, { env });
    clearInterval(sampler);
    return { ...r, lowest };
  };
  const oneLine = (stderr: string, re: RegExp) => {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, re);
    assert.ok(lines[0]!.includes(root), lines[0]);
  };

  it('stops a small gzip layer that expands past it with NO_SPACE; the store is as it was and the space back', async () => {
    // 100 MiB of zeros gzips to about 100 KiB: the download fits, the files would fill the disk.
    const bomb = await tarFromEntries([{ name: 'zeros.bin', content: Buffer.alloc(100 * MiB) }]);
    await publishImage(registry.host, { repo: 'full/bomb', tag: '1.0', layers: [{ tar: bomb }] });
    const initial = await snapshotStore(root);
    const free = await disk!.freeBytes();

    const r = await sampled(['Install-ContainerImage', '-Reference', `${registry.host}/full/bomb:1.0`, '-Quiet']);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /^Install-ContainerImage: cannot import layer sha256:[0-9a-f]{64}: the disk is full \([\d.]+ MiB free in .*, and 16\.0 MiB is kept free\) \(free some space there and try again, or lower CTRIMG_FREE_SPACE_RESERVE\) \[NO_SPACE\]$/);
    assert.ok(r.lowest >= 16 * MiB, `free space fell to ${r.lowest} bytes`);
    assert.deepEqual(await snapshotStore(root), initial, 'the store is as it was');
    assert.equal(await disk!.freeBytes(), free, 'the space of the failed attempt is back');
  });

  it('stops a layer of hard links to large files of its parent layer: each file linked is a copy', async () => {
    // Installed, the base's blob and layer leave about 8 MiB above the reserve; a few KiB of
    // links in the top layer would copy its five 4 MiB files (each once, however many links).
    const names = Array.from({ length: 5 }, (_, i) => `f${i}.bin`);
    const base = await tarFromEntries(names.map((name) => ({ name, content: randomBytes(4 * MiB) })));
    const links = await tarFromEntries(names.flatMap((f) => [1, 2, 3].map((n) => ({ name: `${f}.${n}`, type: 'link' as const, linkname: f }))));
    assert.ok(links.length < 16 * 1024, `${links.length} bytes of tar`);
    await publishImage(registry.host, { repo: 'full/links', tag: '1.0', layers: [{ tar: base }, { tar: links }] });
    const initial = await snapshotStore(root);
    const free = await disk!.freeBytes();

    const r = await sampled(['Install-ContainerImage', '-Reference', `${registry.host}/full/links:1.0`, '-Quiet']);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /^Install-ContainerImage: cannot import layer at .* \(hard link 'f\d\.bin\.\d' -> 'f\d\.bin', a copy of the parent layer's file, 4\.0 MiB\): the disk is full \([\d.]+ MiB free in .*, and 16\.0 MiB is kept free\) \(free some space there and try again, or lower CTRIMG_FREE_SPACE_RESERVE\) \[NO_SPACE\]$/);
    assert.ok(r.lowest >= 16 * MiB, `free space fell to ${r.lowest} bytes`);
    assert.deepEqual(await snapshotStore(root), initial, 'the store is as it was');
    assert.equal(await disk!.freeBytes(), free, 'the space of the failed attempt is back');
  });

  it('stops New-Container when the merged tree would cross it: no container directory, no record', async () => {
    // Installed: a 20 MiB blob and its 20 MiB layer leave about 8 MiB above the reserve, less than a container's copy.
    const layer = await tarFromEntries([{ name: 'data.bin', content: randomBytes(20 * MiB) }]);
    await publishImage(registry.host, { repo: 'full/tree', tag: '1.0', layers: [{ tar: layer }] });
    const install = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${registry.host}/full/tree:1.0`, '-Quiet'], { env });
    assert.equal(install.code, 0, install.stderr);
    const [image] = await ctrimgJson<{ Name: string }>(root, ['Get-ContainerImage']);
    const initial = await snapshotStore(root);
    const free = await disk!.freeBytes();
    assert.ok(free > 16 * MiB && free < 36 * MiB, `${free} bytes free`);

    const r = await sampled(['New-Container', '-ContainerImageName', image!.Name, '-Name', 'big']);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /^New-Container: cannot create container filesystem at .*: the disk is full \([\d.]+ MiB free in .*, and 16\.0 MiB is kept free\) \(free some space there and try again, or lower CTRIMG_FREE_SPACE_RESERVE\) \[NO_SPACE\]$/);
    assert.ok(r.lowest >= 16 * MiB, `free space fell to ${r.lowest} bytes`);
    assert.deepEqual(await snapshotStore(root), initial, 'no container directory and no record');
    // At least: opening the database may have given back some of its log meanwhile.
    const after = await disk!.freeBytes();
    assert.ok(after >= free, `the space of the failed attempt is back: ${after} bytes free, ${free} before`);
    assert.deepEqual(await ctrimgJson(root, ['Get-Container']), []);
  });

  it('refuses a setting that is not a size, with a usage error', async () => {
    const r = await ctrimg(disk!.path, ['Get-ContainerImage'], { env: { CTRIMG_FREE_SPACE_RESERVE: 'lots' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CTRIMG_FREE_SPACE_RESERVE 'lots' is not a size \(give bytes, a size such as 512M/);
  });
});

describe('end to end: the free inodes', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let disk: Tmpfs | undefined;

  before(async () => {
    registry = await startRegistry();
    // 20,000 inodes: 5%, 1,000, are kept free.
    disk = await mountTmpfs('64m', 'ctrimg-e2e-inodes-', 20_000);
  });
  after(async () => {
    await registry?.stop();
    await disk?.unmount();
  });

  it('stops a layer of more empty files than the disk has inodes before they run out; the store is as it was', async () => {
    // 25,000 empty files: a 13 MB tar that gzips to under 1 MB, and more files than the disk holds.
    const many = await tarFromEntries(Array.from({ length: 25_000 }, (_, i) => ({ name: `e${i}`, content: Buffer.alloc(0) })));
    await publishImage(registry.host, { repo: 'full/inodes', tag: '1.0', layers: [{ tar: many }] });
    const root = disk!.path;
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure']);
    assert.equal(reg.code, 0, reg.stderr);
    const initial = await snapshotStore(root);
    const free = await disk!.freeInodes();

    let lowest = free;
    const sampler = setInterval(() => void disk!.freeInodes().then((f) => (lowest = Math.min(lowest, f))), 5);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${registry.host}/full/inodes:1.0`, '-Quiet']);
    clearInterval(sampler);

    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^Install-ContainerImage: cannot import layer sha256:[0-9a-f]{64}: the disk is out of inodes \(\d+ free in .*, and 1000 are kept free\) \(remove some files there and try again, or set CTRIMG_FREE_SPACE_RESERVE=0 to keep nothing free\) \[NO_SPACE\]$/);
    assert.ok(lines[0]!.includes(root), lines[0]);
    // Not "never under 1,000": the files still being written when a check looks (a few dozen
    // side by side, and what the streams hold) are not counted yet; the reserve absorbs them.
    assert.ok(lowest > 0, 'the disk never ran out of inodes');
    assert.deepEqual(await snapshotStore(root), initial, 'the store is as it was');
    assert.equal(await disk!.freeInodes(), free, 'the inodes of the failed attempt are back');
  });
});
