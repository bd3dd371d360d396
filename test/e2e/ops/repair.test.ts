/**
 * Repair-ContainerImageStore's check, one finding kind at a time, on a store installed from a
 * real registry and then damaged by hand; and the cheap recovery and leases built on its scan
 * of leftovers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { layerLockPath } from '../../../src/content/layout.js';
import { formatOwner } from '../../../src/content/owner.js';
import { acquirePidLock } from '../../../src/content/pid-lock.js';
import type { Digest } from '../../../src/image/digest.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { takeLease } from '../../../src/ops/leases.js';
import { leftoverScope, removeLeftovers } from '../../../src/ops/leftovers.js';
import { isClean, repairStore, type Finding } from '../../../src/ops/repair.js';
import { ctrimg, startCtrimg } from '../../support/ctrimg.js';
import { deadPid, livePid, reusedPid } from '../../support/processes.js';
import { fixtureRegistry, installedStore, quietContext } from '../../support/stores.js';

const hex = (d: string) => d.slice('sha256:'.length);
const exists = (p: string) => stat(p).then(() => true, () => false);

const kinds = (fs: Finding[]) => fs.map((f) => `${f.kind} ${f.action} ${f.path}`).sort();

describe('Repair-ContainerImageStore: every finding on a hand-damaged store', function () {
  this.timeout(60_000);
  const fixtures = fixtureRegistry();
  let root: string;
  let ctx: OpsContext;

  beforeEach(async () => {
    root = await installedStore('ctrimg-repair-', fixtures.fx.child.reference);
    ctx = await quietContext(root);
  });
  afterEach(async () => {
    await ctx?.close();
    await rm(root, { recursive: true, force: true });
  });

  const blob = (digest: string) => join(root, 'blobs', 'sha256', hex(digest));
  const layerDir = (i: number) => ctx.layerPath(ctx.store.layers.all()[i]!.chainId as Digest);

  it('finds nothing on a store as install left it', async () => {
    assert.deepEqual(await repairStore(ctx, { fix: false }), []);
  });

  it('deletes a blob whose bytes do not match its name; the layer then only lacks its kept blob', async () => {
    const digest = fixtures.fx.child.layerDigests[3]!;
    const bytes = await readFile(blob(digest));
    bytes[10] ^= 0xff;
    await writeFile(blob(digest), bytes);
    const report = await repairStore(ctx, { fix: false });
    assert.deepEqual(kinds(report), [`CorruptBlob WouldDelete blobs/sha256/${hex(digest)}`]);
    assert.equal(isClean(report), false);
    assert.deepEqual(kinds(await repairStore(ctx, { fix: true })), [
      `BlobNotKept None blobs/sha256/${hex(digest)}`,
      `CorruptBlob Deleted blobs/sha256/${hex(digest)}`,
    ]);
    assert.equal(await exists(blob(digest)), false);
    const after = await repairStore(ctx, { fix: false });
    assert.deepEqual(kinds(after), [`BlobNotKept None blobs/sha256/${hex(digest)}`]);
    assert.equal(isClean(after), true, 'a layer without its compressed blob is not damage');
  });

  it('deletes a verified blob that nothing references', async () => {
    const bytes = Buffer.from('nobody names me\n');
    const name = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(root, 'blobs', 'sha256', name), bytes);
    assert.deepEqual(kinds(await repairStore(ctx, { fix: true })), [`UnreferencedBlob Deleted blobs/sha256/${name}`]);
    assert.deepEqual(await repairStore(ctx, { fix: false }), []);
  });

  it('reports a missing manifest or config with the image to reinstall, and stays unclean after -Fix', async () => {
    await rm(blob(fixtures.fx.child.manifestDigest));
    await rm(blob(fixtures.fx.base.configDigest));
    const fixed = await repairStore(ctx, { fix: true });
    assert.deepEqual(
      fixed.map((f) => [f.kind, f.action, f.digest, f.images]),
      [
        ['MissingBlob', 'Reinstall', fixtures.fx.base.configDigest, ['NanoServer 10.0.17763.1']],
        ['MissingBlob', 'Reinstall', fixtures.fx.child.manifestDigest, ['WebApp 1.2.0.0']],
      ],
    );
    assert.equal(isClean(fixed), false);
  });

  it('reports a missing layer directory with every image that uses it', async () => {
    await rm(layerDir(0), { recursive: true });
    await rm(layerDir(3), { recursive: true });
    const report = await repairStore(ctx, { fix: true });
    assert.deepEqual(
      report.map((f) => [f.kind, f.action, f.images]),
      [
        ['MissingLayer', 'Reinstall', ['NanoServer 10.0.17763.1', 'WebApp 1.2.0.0']],
        ['MissingLayer', 'Reinstall', ['WebApp 1.2.0.0']],
      ],
    );
    assert.equal(isClean(report), false);
  });

  it('deletes a layer row no image uses, its directory, and the blobs only it and the image named', async () => {
    const child = ctx.store.images.all().find((i) => i.name === 'WebApp')!;
    ctx.store.transaction(() => ctx.store.images.remove(child));
    const top = layerDir(3);
    const fixed = await repairStore(ctx, { fix: true });
    assert.deepEqual(
      kinds(fixed),
      [
        `UnusedLayer Deleted layers/${top.split('/').at(-1)}`,
        ...[fixtures.fx.child.manifestDigest, fixtures.fx.child.configDigest, fixtures.fx.child.layerDigests[3]!].map((d) => `UnreferencedBlob Deleted blobs/sha256/${hex(d)}`),
      ].sort(),
    );
    assert.equal(await exists(top), false);
    assert.equal(ctx.store.layers.all().length, 3);
    assert.deepEqual(await repairStore(ctx, { fix: false }), []);
  });

  it('reports a container whose filesystem is gone, and deletes a container directory no record names', async () => {
    const made = await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web1', '-OutputFormat', 'Json']);
    assert.equal(made.code, 0, made.stderr);
    const path = String((JSON.parse(made.stdout) as { Path: string }[])[0]!.Path);
    assert.deepEqual(await repairStore(ctx, { fix: false }), [], 'a container with its filesystem is fine');
    await rm(path, { recursive: true });
    const stray = join(root, 'containers', 'c'.repeat(64));
    await mkdir(join(stray, 'etc'), { recursive: true });

    const report = await repairStore(ctx, { fix: false });
    assert.deepEqual(kinds(report), [`MissingContainer None containers/${path.split('/').at(-1)}`, `UnrecordedContainer WouldDelete containers/${'c'.repeat(64)}`]);
    assert.match(report.find((f) => f.kind === 'MissingContainer')!.detail, /container 'web1' is missing; removing the container removes its record/);
    await repairStore(ctx, { fix: true });
    assert.equal(await exists(stray), false);
    const removed = await ctrimg(root, ['Remove-Container', '-Name', 'web1', '-Force']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await repairStore(ctx, { fix: false }), []);
  });

  it('deletes a layer directory no row records', async () => {
    const stray = join(root, 'layers', 'e'.repeat(64));
    await mkdir(join(stray, 'etc'), { recursive: true });
    assert.deepEqual(kinds(await repairStore(ctx, { fix: false })), [`UnrecordedLayer WouldDelete layers/${'e'.repeat(64)}`]);
    await repairStore(ctx, { fix: true });
    assert.equal(await exists(stray), false);
  });

  it('does not report as garbage a layer a live install is importing (its lock held), only once that install is gone', async () => {
    const chainId: Digest = `sha256:${'d'.repeat(64)}`;
    await mkdir(join(ctx.layerPath(chainId), 'etc'), { recursive: true });
    const release = await acquirePidLock(layerLockPath(root, chainId));
    try {
      assert.deepEqual(kinds(await repairStore(ctx, { fix: false })), []);
    } finally {
      await release();
    }
    assert.deepEqual(kinds(await repairStore(ctx, { fix: false })), [`UnrecordedLayer WouldDelete layers/${'d'.repeat(64)}`]);
    await repairStore(ctx, { fix: true });
  });

  it("removes the leftovers and locks of stopped processes, never a live process's", async () => {
    const dead = await deadPid();
    const live = livePid();
    try {
      const h = 'f'.repeat(64);
      const dirs = [`layers/.importing-${dead}-0a0b-${h}`, `layers/.tmp-${dead}-xyz`, `containers/.tmp-${dead}-abc`];
      const files = [`ingest/${h}.${dead}.0c0d`, `leases/install-${dead}-0e0f`];
      const liveOnes = [`layers/.importing-${live.pid}-0a0b-${h}`, `layers/.tmp-${live.pid}-xyz`, `ingest/${h}.${live.pid}.0c0d`, `leases/install-${live.pid}-1`];
      for (const d of [...dirs, ...liveOnes.slice(0, 2)]) await mkdir(join(root, d), { recursive: true });
      for (const f of [...files, ...liveOnes.slice(2)]) await writeFile(join(root, f), '');
      await writeFile(join(root, 'ingest', `${'1'.repeat(64)}.lock`), String(dead));
      await writeFile(join(root, 'ingest', `${'2'.repeat(64)}.lock`), String(live.pid));
      await writeFile(join(root, 'layers', `${'8'.repeat(64)}.lock`), String(dead));
      const empty = join(root, 'ingest', `${'3'.repeat(64)}.lock`);
      await writeFile(empty, '');
      const longAgo = new Date(Date.now() - 60_000);
      await utimes(empty, longAgo, longAgo);

      const report = await repairStore(ctx, { fix: false });
      assert.deepEqual(
        kinds(report),
        [
          ...[...dirs, ...files].map((p) => `Leftover WouldDelete ${p}`),
          `StaleLock WouldDelete ingest/${'1'.repeat(64)}.lock`,
          `StaleLock WouldDelete ingest/${'3'.repeat(64)}.lock`,
          `StaleLock WouldDelete layers/${'8'.repeat(64)}.lock`,
        ].sort(),
      );
      // The leases of a live process keep -Fix waiting; this one holds an install lease.
      await rm(join(root, liveOnes[3]!));
      await repairStore(ctx, { fix: true });
      for (const p of [...dirs, ...files]) assert.equal(await exists(join(root, p)), false, p);
      for (const p of liveOnes.slice(0, 3)) assert.equal(await exists(join(root, p)), true, p);
      assert.equal(await exists(join(root, 'ingest', `${'2'.repeat(64)}.lock`)), true);
      assert.deepEqual(await repairStore(ctx, { fix: false }), []);
    } finally {
      live.kill();
    }
  });

  it('deletes partial downloads older than 7 days and keeps recent ones', async () => {
    const old = join(root, 'ingest', `${'4'.repeat(64)}.partial`);
    const recent = join(root, 'ingest', `${'5'.repeat(64)}.partial`);
    await writeFile(old, 'half');
    await writeFile(recent, 'half');
    const eightDays = new Date(Date.now() - 8 * 86_400_000);
    await utimes(old, eightDays, eightDays);
    assert.deepEqual(kinds(await repairStore(ctx, { fix: true })), [`OldPartial Deleted ingest/${'4'.repeat(64)}.partial`]);
    assert.equal(await exists(old), false);
    assert.equal(await exists(recent), true);
  });

  it("recovery at a command's start removes only dead processes' leftovers: partials and verified blobs stay for reuse", async () => {
    const dead = await deadPid();
    await mkdir(join(root, 'layers', `.importing-${dead}-0a0b-${'6'.repeat(64)}`));
    await writeFile(join(root, 'ingest', `${'7'.repeat(64)}.lock`), String(dead));
    await writeFile(join(root, 'ingest', `${'7'.repeat(64)}.partial`), 'resume me');
    const bytes = Buffer.from('verified but not yet recorded\n');
    const name = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(root, 'blobs', 'sha256', name), bytes);
    const removed = await removeLeftovers(leftoverScope(ctx));
    assert.deepEqual(removed.map((l) => l.kind).sort(), ['Leftover', 'StaleLock']);
    assert.deepEqual((await readdir(join(root, 'ingest'))).sort(), [`${'7'.repeat(64)}.partial`]);
    assert.equal(await exists(join(root, 'blobs', 'sha256', name)), true);
  });

  describe('a damaged database', () => {
    /** Overwrites the first page of `table` in ctrimg.db (after folding the WAL into it) with `fill`. */
    const damagePage = async (table: string, fill: (size: number) => Buffer) => {
      await ctx.close();
      const db = new Database(join(root, 'ctrimg.db'));
      db.pragma('wal_checkpoint(TRUNCATE)');
      const size = db.pragma('page_size', { simple: true }) as number;
      const { rootpage } = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number };
      db.close();
      const fh = await open(join(root, 'ctrimg.db'), 'r+');
      await fh.write(fill(size), 0, size, (rootpage - 1) * size);
      await fh.close();
      ctx = await quietContext(root);
    };
    const tree = async () => (await Promise.all(['containers', 'layers', 'blobs/sha256'].map((d) => readdir(join(root, d))))).flat().sort();

    beforeEach(async () => {
      const made = await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web1']);
      assert.equal(made.code, 0, made.stderr);
    });

    it('is reported as such when image_layers pages are garbage', async () => {
      await damagePage('image_layers', (size) => Buffer.alloc(size, 0xa5));
      const report = await repairStore(ctx, { fix: false });
      assert.ok(report.length > 0 && report.every((f) => f.kind === 'DamagedDatabase' && f.action === 'RestoreDatabase'), JSON.stringify(report));
      assert.equal(isClean(report), false);
      const r = await ctrimg(root, ['Repair-ContainerImageStore']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /DamagedDatabase/);
      assert.match(r.stderr, /database is damaged.*restore ctrimg\.db from a backup/);
    });

    it('-Fix deletes nothing when the containers table lost its rows', async () => {
      const before = await tree();
      await damagePage('containers', (size) => Buffer.alloc(size));
      const r = await ctrimg(root, ['Repair-ContainerImageStore', '-Fix', '-Force']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /ctrimg\.db is damaged .*nothing was deleted; restore ctrimg\.db from a backup, or rebuild it with `sqlite3 ctrimg\.db \.recover/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.deepEqual(await tree(), before, 'the container, its layers and blobs are all still there');
    });

    it('Remove-ContainerImage and Remove-Container refuse and delete nothing when image_layers lost its rows', async () => {
      const before = await tree();
      // image_layers and its primary-key index read as empty; its index by layer still names the rows.
      const emptyLeaf = (type: number) => (size: number) => {
        const page = Buffer.alloc(size);
        page[0] = type;
        page.writeUInt16BE(size % 65536, 5); // cell content starts at the end: no cells
        return page;
      };
      await damagePage('image_layers', emptyLeaf(0x0d));
      await damagePage('sqlite_autoindex_image_layers_1', emptyLeaf(0x0a));
      // With no chains recorded, no layer looks used: Remove-Container checks the database before it deletes.
      const rc = await ctrimg(root, ['Remove-Container', '-Name', 'web1', '-Force']);
      assert.equal(rc.code, 1, rc.stderr);
      assert.match(rc.stderr, /ctrimg\.db is damaged .*nothing was deleted; restore ctrimg\.db from a backup/);
      assert.equal(rc.stderr.trim().split('\n').length, 1, rc.stderr);
      assert.deepEqual(await tree(), before, 'Remove-Container: the container, its layers and blobs are all still there');
      // Lineage is read from the layers' and images' own columns, so NanoServer still has its child and is refused
      // before anything would be deleted (a removal that deletes checks the database first: test/unit/ops/remove.test.ts).
      const ri = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'NanoServer', '-Force']);
      assert.equal(ri.code, 4, ri.stderr);
      assert.match(ri.stderr, /used by image 'WebApp/);
      assert.deepEqual(await tree(), before, 'Remove-ContainerImage: the images, their layers and blobs are all still there');
      assert.equal(ctx.store.images.all().length, 2);
      assert.equal(ctx.store.containers.list().length, 1);
    });
  });

  it('New-Container waits for a removal under way, as an install does, saying for whom', async () => {
    const remover = livePid();
    const heldFile = join(root, 'leases', `delete-${remover.pid}-1`);
    try {
      await writeFile(heldFile, '');
      const making = startCtrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web2'], { timeoutMs: 30_000 });
      let done = false;
      void making.done.then(() => (done = true));
      await making.stderrMatches(new RegExp(`Waiting for images being removed to finish: process ${remover.pid}\\b`));
      assert.equal(done, false, 'it must wait for the removal');
      remover.kill();
      const r = await making.done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.match(/Waiting for/g)?.length, 1, r.stderr);
    } finally {
      remover.kill();
      await rm(heldFile, { force: true });
    }
  });

  it('a deletion lease waits for a live install, an install for a live deletion', async () => {
    const cases = [
      ['install', 'delete', (pid: number) => `install-${pid}-1`],
      ['delete', 'install', (pid: number) => `delete-${pid}-1`],
    ] as const;
    for (const [held, wanted, fileOf] of cases) {
      const other = livePid();
      const heldFile = join(root, 'leases', fileOf(other.pid));
      try {
        await writeFile(heldFile, held === wanted ? String(other.pid) : '');
        let got = false;
        let waiting!: (pids: number[]) => void;
        const waited = new Promise<number[]>((r) => (waiting = r));
        const taking = takeLease(root, wanted, { onWait: (owners) => waiting(owners.map((o) => o.pid)) }).then((release) => {
          got = true;
          return release;
        });
        assert.deepEqual(await waited, [other.pid]);
        assert.equal(got, false, `${wanted} must wait for ${held}`);
        other.kill();
        const release = await taking;
        await release();
        assert.deepEqual((await readdir(join(root, 'leases'))).filter((n) => n.startsWith(wanted) && n !== fileOf(other.pid)), []);
      } finally {
        other.kill();
        await rm(heldFile, { force: true });
      }
    }
  });

  it("Install, Remove and Repair -Fix go ahead when a crashed command's pid belongs to another process", async () => {
    const { owner, live } = await reusedPid();
    const lease = (kind: string) => join(root, 'leases', `${kind}-${owner.pid}-1`);
    const layerLock = `${layerDir(0)}.lock`;
    try {
      await writeFile(lease('delete'), formatOwner(owner));
      const installed = await ctrimg(root, ['Install-ContainerImage', '-Reference', fixtures.fx.base.reference, '-Insecure'], { timeoutMs: 20_000 });
      assert.equal(installed.code, 0, installed.stderr);
      assert.doesNotMatch(installed.stderr, /Waiting/);
      for (const args of [['Repair-ContainerImageStore', '-Fix', '-Force'], ['Remove-ContainerImage', '-Name', 'WebApp', '-Force']]) {
        await writeFile(lease('install'), formatOwner(owner));
        await writeFile(layerLock, formatOwner(owner));
        const r = await ctrimg(root, args, { timeoutMs: 20_000 });
        assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /Waiting/);
      }
      assert.equal(await exists(lease('install')), false);
      assert.equal(await exists(layerLock), false);
    } finally {
      live.kill();
    }
  });
});
