/**
 * Crash safety: the built CLI installing WebApp (and its base) or removing both is killed with
 * SIGKILL after a random delay drawn over the measured length of an uninterrupted run. After
 * every kill, Get-ContainerImage shows each image whole (every layer directory present, the
 * child only with its base) or not at all; the next command recovers; Repair -Fix leaves
 * nothing a second check would report; and a re-run install fetches no layer blob the killed
 * one had already committed. The PRNG is seeded; the seed is printed (CRASH_SEED replays it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { repairStore } from '../../src/ops/repair.js';
import { ctrimg, type ImageJson } from '../support/ctrimg.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { publishFixtures, type Fixtures } from '../support/fixtures.js';
import { prng } from '../support/prng.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { quietContext } from '../support/stores.js';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));
const TRIALS = 20;

/** Runs the CLI and SIGKILLs it after `killAfterMs`; resolves whether the kill came first. */
function runAndKill(root: string, args: string[], killAfterMs: number): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CTRIMG_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', stderr });
    });
  });
}


describe('crash safety: kill -9 at random points of Install and Remove', function () {
  this.timeout(150_000);
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let fx: Fixtures;
  let root: string;
  const stderrs: string[] = [];

  const run = async (args: string[]) => {
    const r = await ctrimg(root, args);
    stderrs.push(r.stderr);
    return r;
  };
  const install = () => ['Install-ContainerImage', '-Reference', fx.child.reference, '-Insecure', '-Quiet'];
  const removeBoth = ['Remove-ContainerImage', '-Name', 'WebApp,NanoServer', '-Force'];

  /** Get-ContainerImage's view, checked: each image whole or absent, the child never without its base. */
  async function checkVisible(): Promise<ImageJson[]> {
    const r = await run(['Get-ContainerImage', '-OutputFormat', 'Json']);
    assert.equal(r.code, 0, r.stderr);
    const images = (r.stdout.trim() ? JSON.parse(r.stdout) : []) as ImageJson[];
    const names = images.map((i) => i.Name).sort();
    assert.ok(
      [[], ['NanoServer'], ['NanoServer', 'WebApp']].some((ok) => JSON.stringify(ok) === JSON.stringify(names)),
      `visible images: ${names.join(', ')}`,
    );
    const child = images.find((i) => i.Name === 'WebApp');
    if (child) assert.equal(child.ParentImage?.Name, 'NanoServer');
    const db = new Database(join(root, 'ctrimg.db'), { readonly: true });
    try {
      for (const img of images) {
        const expected = img.Name === 'WebApp' ? fx.child : fx.base;
        assert.equal(img.Digest, expected.manifestDigest);
        const layers = db
          .prepare('SELECT l.chain_id AS chainId FROM images i JOIN image_layers il ON il.image_id = i.id JOIN layers l ON l.id = il.layer_id WHERE i.manifest_digest = ?')
          .all(img.Digest) as { chainId: string }[];
        assert.equal(layers.length, expected.layerDigests.length, `${img.Name}: every layer recorded`);
        for (const l of layers) {
          const dir = join(root, 'layers', l.chainId.slice('sha256:'.length));
          assert.ok((await stat(dir)).isDirectory(), `${img.Name}: ${dir} present`);
        }
      }
    } finally {
      db.close();
    }
    return images;
  }

  /**
   * Repair -Fix (through the CLI, or in this process to save a process start on a busy machine),
   * then a second check must find nothing.
   */
  let expectNames: string[] = [];
  async function repairAndRecheck(viaCli: boolean): Promise<void> {
    if (viaCli) {
      const fixed = await run(['Repair-ContainerImageStore', '-Fix', '-Force', '-OutputFormat', 'Json']);
      assert.equal(fixed.code, 0, `${fixed.stdout}\n${fixed.stderr}`);
    }
    const ctx = await quietContext(root);
    try {
      if (!viaCli) await repairStore(ctx, { fix: true });
      assert.deepEqual(await repairStore(ctx, { fix: false }), [], 'nothing left after -Fix');
      assert.deepEqual(ctx.store.images.all().map((i) => i.name).sort(), expectNames, 'repair touches no image');
    } finally {
      await ctx.close();
    }
  }

  const layerBlobGets = (from: number) =>
    new Set(proxy.requests.slice(from).filter((r) => r.status === 200 || r.status === 206).map((r) => /\/blobs\/(sha256:[0-9a-f]{64})/.exec(r.path)?.[1]).filter(Boolean));

  before(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    // Published through the proxy, so the base the child names is fetched through it too.
    fx = await publishFixtures(new URL(proxy.url).host);
    root = await mkdtemp(join(tmpdir(), 'ctrimg-crash-'));
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it(`survives ${TRIALS} kills, recovers, and re-runs with the bytes already on disk`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
    console.log(`      crash seed ${seed} (CRASH_SEED=${seed} replays it)`);
    const random = prng(seed);

    // The app layer's download breaks off halfway in every install (and is resumed after a
    // backoff), so that kills also land between committed blobs and on a partial download.
    const app = fx.child.layerDescriptors[3]!;
    let truncations = 0;
    const breakAppLayer = () => {
      if (proxy.requests.filter((r) => r.fault === 'truncate').length < truncations) return;
      proxy.inject(new RegExp(app.digest), { kind: 'truncate', after: Math.floor(app.size / 2) });
      truncations++;
    };

    // Uninterrupted runs, to draw kill times over.
    breakAppLayer();
    let t = Date.now();
    assert.equal((await run(install())).code, 0);
    const installMs = Date.now() - t;
    t = Date.now();
    expectNames = [];
    assert.equal((await run(removeBoth)).code, 0);
    const removeMs = Date.now() - t;
    await repairAndRecheck(true);

    const layerDigests = new Set<string>(fx.child.layerDigests);
    let trials = 0;
    let killed = 0;
    let reusedBlobs = 0;
    let resumedBytes = 0;

    /** Kills a run of the CLI, checks what is visible, and returns it. */
    const killRun = async (args: string[], delay: number) => {
      const r = await runAndKill(root, args, delay);
      stderrs.push(r.stderr);
      trials++;
      if (r.killed) killed++;
      return checkVisible();
    };
    // From an empty store; leaves both images installed.
    const installTrial = async (delay: number, repairFirst: boolean) => {
      breakAppLayer();
      const visible = await killRun(install(), delay);
      expectNames = visible.map((i) => i.Name).sort();
      if (repairFirst) await repairAndRecheck(true);
      const partialSize = await stat(join(root, 'ingest', `${app.digest.slice(7)}.partial`)).then((st) => st.size, () => 0);
      const committed = (await readdir(join(root, 'blobs', 'sha256'))).map((h) => `sha256:${h}`).filter((d) => layerDigests.has(d));
      const from = proxy.requests.length;
      const again = await run(install());
      assert.equal(again.code, 0, `trial ${trials}: re-run install: ${again.stderr}`);
      const fetched = layerBlobGets(from);
      for (const d of committed) assert.ok(!fetched.has(d), `trial ${trials}: ${d} was on disk but fetched again`);
      reusedBlobs += committed.length;
      // A partial download is resumed, not restarted.
      const partial = partialSize;
      if (partial > 0) {
        const resumed = proxy.requests.slice(from).find((r) => r.path.includes(app.digest) && r.status === 206);
        assert.equal(resumed?.range, `bytes=${partial}-`, `trial ${trials}: the partial download was resumed`);
        resumedBytes += partial;
      }
      expectNames = ['NanoServer', 'WebApp'];
      if (!repairFirst) await repairAndRecheck(false);
    };
    // From both images installed; leaves an empty store.
    const removeTrial = async (delay: number) => {
      const visible = await killRun(removeBoth, delay);
      // The next command finishes the job: removing what is still there, then repairing.
      if (visible.length > 0) assert.equal((await run(removeBoth)).code, 0);
      expectNames = [];
      await repairAndRecheck(true);
      assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), [], `trial ${trials}: no blob left`);
      assert.deepEqual(await readdir(join(root, 'layers')), [], `trial ${trials}: no layer left`);
    };

    for (let pair = 0; pair < TRIALS / 2; pair++) {
      // A third of the install trials repair before the re-run; the others re-run first, which must reuse what is on disk
      // (Repair keeps a recent partial download: it is resumed either way).
      await installTrial(Math.floor(random() * installMs), pair % 3 === 0);
      await removeTrial(Math.floor(random() * removeMs));
    }
    // Should no kill have landed after a layer blob was committed, a few more in the second half of the run.
    for (let extra = 0; extra < 6 && reusedBlobs === 0; extra++) {
      await installTrial(Math.floor(installMs * (0.5 + random() / 2)), false);
      await removeTrial(Math.floor(random() * removeMs));
    }
    console.log(`      ${killed} of ${trials} runs killed (install ${installMs} ms, remove ${removeMs} ms uninterrupted); ${reusedBlobs} layer blobs reused and ${resumedBytes} bytes resumed by re-runs`);
    assert.ok(killed >= trials / 2, `most runs were killed (${killed})`);
    assert.ok(reusedBlobs > 0, 'some re-run reused blobs a killed install had committed');
    for (const e of stderrs) assert.doesNotMatch(e, /SQLITE_BUSY|database is locked/);
  });
});
