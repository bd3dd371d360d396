/**
 * Install-ContainerImage with the store on a full disk, through the real executable: the store
 * root is a 4 MiB tmpfs and the image's layer blob fits in it but its files do not. The attempt
 * exits 1 with one stderr line saying the disk is full and where, leaves the store exactly as
 * it was (files and rows) and gives back every byte it wrote.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rmdir, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ctrimg } from '../support/ctrimg.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore, type StoreSnapshot } from '../support/store-snapshot.js';

const run = promisify(execFile);
const MiB = 1 << 20;

async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

describe('end to end: install on a full disk', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let root: string;
  let mounted = false;
  let initial: StoreSnapshot;
  let free: number;

  before(async () => {
    registry = await startRegistry();
    // Random bytes do not compress: the blob is as big as the tar.
    const layer = async (size: number) => tarFromEntries([{ name: 'data/', type: 'directory' }, { name: 'data/blob.bin', content: randomBytes(size) }]);
    await publishImage(registry.host, { repo: 'full/unpack', tag: '1.0', layers: [{ tar: await layer(2.5 * MiB) }] });
    await publishImage(registry.host, { repo: 'full/download', tag: '1.0', layers: [{ tar: await layer(5 * MiB) }] });
    root = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-full-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', root]);
    mounted = true;
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure']);
    assert.equal(reg.code, 0, reg.stderr);
    initial = await snapshotStore(root);
    free = await freeBytes(root);
  });
  after(async () => {
    await registry?.stop();
    if (mounted) await run('umount', [root]);
    if (root) await rmdir(root);
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
      assert.equal(await freeBytes(root), free, 'the space of the failed attempt is back');
    });
  }
});
