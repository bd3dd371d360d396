/**
 * Several processes on one store at once. Four installs of the same image all succeed, each
 * layer blob is fetched from the registry once, and the image is recorded once. An install
 * racing a removal of a related image (base vs child) keeps DESIGN rule 1 however they
 * interleave: no child is ever left without its base, nothing a container uses is removed,
 * every recorded layer has its directory. No SQLite lock error ever reaches stderr.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '../../src/image/digest.js';
import { repairStore } from '../../src/ops/repair.js';
import { ctrimg, type CliResult } from '../support/ctrimg.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { publishFixtures, type Fixtures } from '../support/fixtures.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { quietContext } from '../support/stores.js';

const LOCK_ERROR = /SQLITE_BUSY|database is locked/i;

describe('concurrency: processes sharing one store', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let fx: Fixtures;
  const roots: string[] = [];
  const results: CliResult[] = [];

  const newRoot = async () => {
    const r = await mkdtemp(join(tmpdir(), 'ctrimg-concurrency-'));
    roots.push(r);
    return r;
  };
  const run = async (root: string, args: string[]) => {
    const r = await ctrimg(root, args);
    results.push(r);
    return r;
  };
  const installChild = (root: string) => run(root, ['Install-ContainerImage', '-Reference', fx.child.reference, '-Insecure', '-Quiet']);
  const installBase = (root: string) => run(root, ['Install-ContainerImage', '-Reference', fx.base.reference, '-Insecure', '-Quiet']);
  const remove = (root: string, name: string) => run(root, ['Remove-ContainerImage', '-Name', name, '-Force']);

  /** The store's invariants, read in this process: rule 1 and whole images, and nothing for Repair to report. */
  async function checkStore(root: string): Promise<string[]> {
    const ctx = await quietContext(root);
    try {
      const images = ctx.store.images.all();
      const names = images.map((i) => i.name).sort();
      assert.equal(new Set(names).size, names.length, `each image recorded once: ${names.join(', ')}`);
      if (names.includes('WebApp')) assert.ok(names.includes('NanoServer'), 'no child without its base');
      for (const c of ctx.store.containers.list()) assert.ok(ctx.store.images.byId(c.imageId), `container ${c.name} keeps its image`);
      for (const img of images) {
        for (const l of ctx.store.layers.ofImage(img.id)) {
          const dir = ctx.layerPath(l.chainId as Digest);
          assert.ok((await stat(dir)).isDirectory(), `${img.name}: ${dir}`);
        }
      }
      assert.deepEqual(await repairStore(ctx, { fix: false }), []);
      return names;
    } finally {
      await ctx.close();
    }
  }

  before(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    fx = await publishFixtures(new URL(proxy.url).host);
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    for (const r of roots) await rm(r, { recursive: true, force: true });
    for (const r of results) assert.doesNotMatch(r.stderr, LOCK_ERROR);
  });

  it('four installs of one image at once: all succeed, each layer blob is fetched once, one image recorded', async () => {
    const root = await newRoot();
    const from = proxy.requests.length;
    const all = await Promise.all([0, 1, 2, 3].map(() => installChild(root)));
    for (const r of all) assert.equal(r.code, 0, r.stderr);
    const layerGets = new Map<string, number>();
    for (const r of proxy.requests.slice(from)) {
      const digest = /\/blobs\/(sha256:[0-9a-f]{64})/.exec(r.path)?.[1];
      if (digest && fx.child.layerDigests.includes(digest as never)) layerGets.set(digest, (layerGets.get(digest) ?? 0) + 1);
    }
    assert.deepEqual([...layerGets.values()], fx.child.layerDigests.map(() => 1), 'one GET per layer blob');
    assert.deepEqual(await checkStore(root), ['NanoServer', 'WebApp']);
    for (const r of all) assert.doesNotMatch(r.stderr, LOCK_ERROR);
  });

  /**
   * Starts installing the child with its app layer's download held up in the proxy, and starts
   * the removal only once that download has begun: after the install has seen the base
   * installed and its layers recorded, before it records the child.
   */
  async function installWhileRemoving(root: string, name: string): Promise<[CliResult, CliResult]> {
    const app = fx.child.layerDigests[3]!;
    proxy.inject(new RegExp(app), { kind: 'stall', after: 10, ms: 1500 });
    const downloading = proxy.requested(new RegExp(app));
    const inst = installChild(root);
    await Promise.race([downloading, inst]);
    return Promise.all([inst, remove(root, name)]);
  }

  it('installing a child while its base is removed never leaves the child without its base', async () => {
    const root = await newRoot();
    for (let round = 0; round < 3; round++) {
      assert.equal((await installBase(root)).code, 0);
      const [inst, rem] = await (round === 0 ? Promise.all([installChild(root), remove(root, 'NanoServer')]) : installWhileRemoving(root, 'NanoServer'));
      assert.equal(inst.code, 0, inst.stderr);
      // Either the removal came first (and the install put the base back), or it was refused because of the child.
      assert.ok(rem.code === 0 || rem.code === 4, `remove exited ${rem.code}: ${rem.stderr}`);
      if (rem.code === 4) assert.match(rem.stderr, /used by image 'WebApp/);
      assert.deepEqual(await checkStore(root), ['NanoServer', 'WebApp'], `round ${round}`);
      assert.equal((await remove(root, 'WebApp')).code, 0);
    }
  });

  it('re-installing a child while it is removed leaves the store whole either way', async () => {
    const root = await newRoot();
    assert.equal((await installChild(root)).code, 0);
    for (let round = 0; round < 4; round++) {
      const [inst, rem] = await Promise.all([installChild(root), remove(root, 'WebApp')]);
      assert.equal(inst.code, 0, inst.stderr);
      assert.ok(rem.code === 0 || rem.code === 3, `remove exited ${rem.code}: ${rem.stderr}`);
      const names = await checkStore(root);
      assert.ok(['NanoServer', 'NanoServer,WebApp'].includes(names.join(',')), `round ${round}: ${names.join(', ')}`);
      if (!names.includes('WebApp')) assert.equal((await installChild(root)).code, 0);
    }
  });

  it('a base a container uses is never removed, whatever installs run beside', async () => {
    const root = await newRoot();
    assert.equal((await installBase(root)).code, 0);
    assert.equal((await run(root, ['New-Container', '-ContainerImageName', 'NanoServer', '-Name', 'c1'])).code, 0);
    for (let round = 0; round < 3; round++) {
      const [inst, rem] = await Promise.all([installChild(root), remove(root, 'NanoServer')]);
      assert.equal(inst.code, 0, inst.stderr);
      assert.equal(rem.code, 4, rem.stderr);
      assert.match(rem.stderr, /container 'c1'/);
      assert.deepEqual(await checkStore(root), ['NanoServer', 'WebApp']);
      assert.equal((await remove(root, 'WebApp')).code, 0);
    }
  });
});
