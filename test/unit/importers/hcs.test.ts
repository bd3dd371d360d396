import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { HcsImporter, LAYERCHAIN } from '../../../src/importers/hcs.js';
import { findWclayer } from '../../../src/importers/wclayer.js';
import { tarFromEntries, type TarEntry } from '../../support/oci-layout.js';
import { makeStandin, STANDIN_EXPORT_TAR, type Standin } from '../../support/wclayer.js';
import { readAll, tempRoot } from '../../support/tars.js';
import { hostStandin, NOT_ELEVATED } from '../../support/windows-host-standin.js';
import { DEFAULT_SCRATCH_SIZE } from '../../../src/importers/scratch.js';

const isCode = (code: string, ...mentions: string[]) => (err: unknown) => {
  assert.ok(err instanceof CtrimgError, String(err));
  assert.equal(err.code, code, err.message);
  for (const m of mentions) assert.ok(err.message.includes(m), `${err.message} does not mention ${m}`);
  return true;
};

const WINDOWS: TarEntry[] = [
  { name: 'Files/', type: 'directory' },
  { name: 'Files/Windows/', type: 'directory' },
  { name: 'Files/Windows/win.ini', content: '[fonts]\r\n' },
  { name: 'Hives/', type: 'directory' },
  { name: 'Hives/DefaultUser_Delta', content: Buffer.alloc(70_000, 1) },
];

describe('importers/hcs (against the wclayer stand-in)', function () {
  this.timeout(30_000);
  let standin: Standin;
  let root: string;
  let cleanup: () => Promise<void>;
  let layers: string;
  before(async () => {
    standin = await makeStandin();
  });
  after(() => standin?.cleanup());
  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    layers = join(root, 'layers');
    await mkdir(layers);
    await standin.reset();
  });
  afterEach(() => cleanup());

  const argvs = async () => (await standin.calls()).map((c) => c.argv);

  describe('importLayer', () => {
    for (const parentCount of [0, 1, 3]) {
      it(`runs wclayer import with ${parentCount} parent(s) nearest first, sends the tar unchanged and writes ${LAYERCHAIN}`, async () => {
        const importer = new HcsImporter(standin.env);
        const parents = ['P3', 'P2', 'P1'].slice(3 - parentCount).map((p) => join(layers, p));
        const tar = await tarFromEntries(WINDOWS);
        const layer = join(layers, 'L');
        await importer.importLayer(Readable.from([tar]), layer, { parents });
        const calls = await standin.calls();
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0]!.argv, ['import', ...parents.flatMap((p) => ['-l', p]), layer]);
        assert.ok(calls[0]!.stdin!.equals(tar), `wclayer got ${calls[0]!.stdin!.length} bytes, the tar has ${tar.length}`);
        // As moby writes it: json.Marshal of a nil slice for a base layer.
        assert.deepEqual(JSON.parse(await readFile(join(layer, LAYERCHAIN), 'utf8')), parentCount === 0 ? null : parents);
        // A layer with parents: wclayer's TEMP was a fresh directory beside the layer, gone once it
        // finished. A base layer is not staged: TEMP is left as it was.
        if (parentCount > 0) assert.match(calls[0]!.temp!, new RegExp(`^${layers}/\\.wclayer-temp-${process.pid}-[0-9a-f]+$`));
        else assert.equal(calls[0]!.temp, process.env.TEMP);
        assert.deepEqual(await readdir(layers), ['L']);
      });
    }

    it('streams a 32 MiB layer through to wclayer byte for byte', async () => {
      const content = Buffer.alloc(32 << 20);
      for (let i = 0; i < content.length; i += 4096) content.writeUInt32BE(i, i);
      const tar = await tarFromEntries([{ name: 'Files/', type: 'directory' }, { name: 'Files/big.bin', content }]);
      const chunks = Array.from({ length: Math.ceil(tar.length / 65536) }, (_, i) => tar.subarray(i * 65536, (i + 1) * 65536));
      await new HcsImporter(standin.env).importLayer(Readable.from(chunks), join(layers, 'L'), { parents: [] });
      const [call] = await standin.calls();
      assert.equal(call!.stdin!.length, tar.length);
      assert.ok(call!.stdin!.equals(tar));
    });

    it('reads the whole stream, bytes after the end-of-archive marker included', async () => {
      const tar = Buffer.concat([await tarFromEntries(WINDOWS), Buffer.alloc(20_480)]);
      const input = Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]);
      await new HcsImporter(standin.env).importLayer(input, join(layers, 'L'), { parents: [] });
      assert.equal(input.readableEnded, true);
      assert.ok((await standin.calls())[0]!.stdin!.equals(tar));
    });

    it('still reads the whole stream when wclayer stops reading at the end-of-archive marker', async () => {
      const tar = await tarFromEntries(WINDOWS);
      const padded = Buffer.concat([tar, Buffer.alloc(1 << 20)]);
      const input = Readable.from([padded.subarray(0, 4096), padded.subarray(4096)]);
      await new HcsImporter({ ...standin.env, WCLAYER_STANDIN_READ_BYTES: String(tar.length) }).importLayer(input, join(layers, 'L'), { parents: [] });
      assert.equal(input.readableEnded, true);
      const [call] = await standin.calls();
      assert.equal(call!.stdin!.length, tar.length);
      assert.ok(call!.stdin!.equals(tar));
    });

    it("surfaces wclayer's stderr and exit code, then runs wclayer remove", async () => {
      const importer = new HcsImporter(standin.failing('import', 5, 'hcsshim::ImportLayer failed in Win32: Access is denied. (0x5)\r\n'));
      const layer = join(layers, 'L');
      await assert.rejects(
        importer.importLayer(Readable.from([await tarFromEntries(WINDOWS)]), layer, { parents: [] }),
        isCode('WCLAYER_FAILED', 'wclayer import exited with code 5', 'Access is denied. (0x5)'),
      );
      assert.deepEqual(await argvs(), [['import', layer], ['remove', layer]]);
      assert.equal(existsSync(layer), false);
    });

    it('refuses a non-Windows tar on its first bad entry: wclayer is killed, remove is run, the input is not waited for', async () => {
      const importer = new HcsImporter(standin.env);
      const layer = join(layers, 'L');
      const bad = await tarFromEntries([{ name: 'Files/', type: 'directory' }, { name: 'etc/passwd', content: 'root:x:0:0\n' }]);
      // Good bytes until wclayer is at work, then the bad entry, then a stream that never ends:
      // only the validator can end the import.
      const input = new PassThrough();
      input.write(bad.subarray(0, 512));
      const done = importer.importLayer(input, layer, { parents: [join(layers, 'P')] });
      for (let i = 0; i < 100 && !existsSync(layer); i++) await new Promise((r) => setTimeout(r, 20));
      input.write(bad.subarray(512, 1536));
      await assert.rejects(done, isCode('INVALID_WINDOWS_LAYER', "'etc/passwd'"));
      const calls = await argvs();
      assert.deepEqual(calls.at(-1), ['remove', layer]);
      assert.deepEqual(calls[0], ['import', '-l', join(layers, 'P'), layer]);
      assert.equal(existsSync(layer), false);
      assert.equal(input.destroyed, true);
    });

    it('stops on an abort: wclayer killed, layer removed, rejects with the reason', async () => {
      const importer = new HcsImporter(standin.env);
      const layer = join(layers, 'L');
      const input = new PassThrough();
      input.write((await tarFromEntries(WINDOWS)).subarray(0, 1024));
      const controller = new AbortController();
      const done = importer.importLayer(input, layer, { parents: [], signal: controller.signal });
      // Let wclayer start and create the layer before aborting.
      for (let i = 0; i < 100 && !existsSync(layer); i++) await new Promise((r) => setTimeout(r, 20));
      controller.abort(new Error('interrupted'));
      await assert.rejects(done, /interrupted/);
      assert.deepEqual((await argvs()).at(-1), ['remove', layer]);
      assert.equal(existsSync(layer), false);
    });

    it('starts wclayer only once the parents are in place, and not at all if one failed', async () => {
      const importer = new HcsImporter(standin.env);
      const parent = join(layers, 'P');
      let release!: () => void;
      const parentsReady = new Promise<void>((r) => (release = r));
      const done = importer.importLayer(Readable.from([await tarFromEntries(WINDOWS)]), join(layers, 'L'), { parents: [parent], parentsReady });
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await argvs(), []);
      release();
      await done;
      assert.deepEqual(await argvs(), [['import', '-l', parent, join(layers, 'L')]]);

      const tar = await tarFromEntries(WINDOWS);
      await assert.rejects(
        importer.importLayer(Readable.from([tar]), join(layers, 'L2'), { parents: [parent], parentsReady: Promise.reject(new Error('parent layer failed its digest')) }),
        /parent layer failed its digest/,
      );
      assert.equal((await argvs()).length, 1);
      assert.equal(existsSync(join(layers, 'L2')), false);
    });

    it("rejects with the input's error when the input failed while the parents were awaited", async () => {
      const input = new PassThrough();
      let release!: () => void;
      const parentsReady = new Promise<void>((r) => (release = r));
      const done = new HcsImporter(standin.env).importLayer(input, join(layers, 'L'), { parents: [join(layers, 'P')], parentsReady });
      input.on('error', () => {});
      input.destroy(new Error('connection reset'));
      release();
      await assert.rejects(done, /connection reset/);
      assert.equal(existsSync(join(layers, 'L')), false);
    });

    it('refuses a layer path that exists, without running wclayer', async () => {
      const layer = join(layers, 'L');
      await mkdir(layer);
      await assert.rejects(new HcsImporter(standin.env).importLayer(Readable.from([await tarFromEntries(WINDOWS)]), layer, { parents: [] }), isCode('EXISTS'));
      assert.deepEqual(await argvs(), []);
    });
  });

  describe('containers and removal', () => {
    it('creates a scratch layer with wclayer create -l over the chain nearest first, removes it with wclayer remove', async () => {
      const importer = new HcsImporter(standin.env);
      const chain = [join(layers, 'L2'), join(layers, 'L1')];
      const container = join(root, 'containers', 'c1');
      await importer.createContainer(container, chain);
      assert.deepEqual(JSON.parse(await readFile(join(container, LAYERCHAIN), 'utf8')), chain);
      await importer.removeContainer(container);
      assert.equal(existsSync(container), false);
      await importer.removeContainer(container);
      assert.deepEqual(await argvs(), [['create', '-l', chain[0], '-l', chain[1], container], ['remove', container]]);
    });

    it('removes a layer with wclayer remove, and does not run it for a missing one', async () => {
      const importer = new HcsImporter(standin.env);
      const layer = join(layers, 'L');
      await importer.importLayer(Readable.from([await tarFromEntries(WINDOWS)]), layer, { parents: [] });
      await importer.removeLayer(layer);
      await importer.removeLayer(layer);
      assert.equal(existsSync(layer), false);
      assert.deepEqual(await argvs(), [['import', layer], ['remove', layer]]);
    });

    it('surfaces a failed wclayer create and removes what it left', async () => {
      const importer = new HcsImporter(standin.failing('create', 2, 'no such parent layer\n'));
      const container = join(root, 'c1');
      await assert.rejects(importer.createContainer(container, [join(layers, 'L1')]), isCode('WCLAYER_FAILED', 'wclayer create exited with code 2: no such parent layer'));
      assert.deepEqual((await argvs()).map((a) => a[0]), ['create', 'remove']);
      assert.equal(existsSync(container), false);
    });
  });

  describe('on a Windows host (a stand-in host)', () => {
    it('checks once, before anything changes: wclayer, then the privileges, then the store volume', async () => {
      const windows = hostStandin();
      const importer = new HcsImporter(standin.env, { windows, root });
      await Promise.all([importer.ensureReady(), importer.ensureReady()]);
      await importer.ensureReady();
      assert.deepEqual(windows.calls, [['privileges'], ['fileSystemOf', root]]);
    });

    it('refuses a process without the Backup and Restore privileges in one line saying to run elevated, asking nothing more', async () => {
      const windows = hostStandin({ privileges: NOT_ELEVATED });
      await assert.rejects(new HcsImporter(standin.env, { windows, root }).ensureReady(), (err: unknown) => {
        isCode('NOT_ELEVATED', 'SeBackupPrivilege and SeRestorePrivilege', 'not elevated')(err);
        assert.match((err as CtrimgError).hint ?? '', /Run as administrator/);
        assert.ok(!(err as CtrimgError).message.includes('\n'));
        return true;
      });
      assert.deepEqual(windows.calls, [['privileges']]);
      const onlyBackup = hostStandin({ privileges: ['SeChangeNotifyPrivilege', 'SeBackupPrivilege'] });
      await assert.rejects(new HcsImporter(standin.env, { windows: onlyBackup, root }).ensureReady(), isCode('NOT_ELEVATED', 'does not hold SeRestorePrivilege,'));
      assert.deepEqual(await argvs(), []);
    });

    for (const fs of ['ReFS', 'FAT32', 'exFAT', 'CSVFS', '']) {
      it(`refuses a store root on ${fs || 'an unnamed'} volume, naming it`, async () => {
        const windows = hostStandin({ fileSystem: fs });
        await assert.rejects(new HcsImporter(standin.env, { windows, root }).ensureReady(), isCode('NOT_NTFS', root, `${fs || 'unnamed'} volume`, 'NTFS'));
      });
    }

    it('takes NTFS in any case', async () => {
      await new HcsImporter(standin.env, { windows: hostStandin({ fileSystem: 'ntfs' }), root }).ensureReady();
    });

    it('fails with HOST_CHECK_FAILED, not as unelevated or not NTFS, when Windows cannot be asked', async () => {
      const garbled = hostStandin({ fail: { privileges: new Error('whoami /priv printed no privilege: ""') } });
      await assert.rejects(new HcsImporter(standin.env, { windows: garbled, root }).ensureReady(), isCode('HOST_CHECK_FAILED', 'whoami /priv printed no privilege'));
      const noVolume = hostStandin({ fail: { fileSystemOf: new Error('powershell.exe exited with code 1: Get-Volume : No MSFT_Volume objects found') } });
      await assert.rejects(new HcsImporter(standin.env, { windows: noVolume, root }).ensureReady(), isCode('HOST_CHECK_FAILED', root, 'No MSFT_Volume'));
    });

    it("grows a container's scratch disk to moby's 127 GiB by default, or the size given, after wclayer create and before layerchain.json", async () => {
      const windows = hostStandin();
      const importer = new HcsImporter(standin.env, { windows, root });
      const chain = [join(layers, 'L1')];
      const c1 = join(root, 'containers', 'c1');
      await mkdir(join(root, 'containers'));
      await importer.createContainer(c1, chain);
      const c2 = join(root, 'containers', 'c2');
      await importer.createContainer(c2, chain, { scratchSize: 200 * 2 ** 30 });
      assert.equal(DEFAULT_SCRATCH_SIZE, 136_365_211_648);
      assert.deepEqual(windows.calls, [
        ['expandVirtualDisk', join(c1, 'sandbox.vhdx'), DEFAULT_SCRATCH_SIZE, c1],
        ['expandVirtualDisk', join(c2, 'sandbox.vhdx'), 200 * 2 ** 30, c2],
      ]);
      assert.deepEqual(JSON.parse(await readFile(join(c2, LAYERCHAIN), 'utf8')), chain);
    });

    it('leaves the blank 20 GiB scratch disk as it is when that size is asked for', async () => {
      const windows = hostStandin();
      await new HcsImporter(standin.env, { windows, root }).createContainer(join(root, 'c1'), [join(layers, 'L1')], { scratchSize: 20 * 2 ** 30 });
      assert.deepEqual(windows.calls, []);
    });

    it('removes the container with wclayer remove when its disk cannot be grown, and says so in one line', async () => {
      const windows = hostStandin({ fail: { expandVirtualDisk: new Error('diskpart.exe exited with code 2: There is not enough space on the disk.') } });
      const container = join(root, 'c1');
      const warnings: string[] = [];
      await assert.rejects(
        new HcsImporter(standin.env, { windows, root }).createContainer(container, [join(layers, 'L1')], { warn: (m) => warnings.push(m) }),
        isCode('SCRATCH_SIZE_FAILED', join(container, 'sandbox.vhdx'), '127 GiB', 'not enough space'),
      );
      assert.deepEqual((await argvs()).map((a) => a[0]), ['create', 'remove']);
      assert.equal(existsSync(container), false);
      assert.deepEqual(warnings, []);
    });

    it('asks nothing and grows nothing without a host (a wclayer stand-in off Windows)', async () => {
      const importer = new HcsImporter(standin.env);
      await importer.ensureReady();
      await importer.createContainer(join(root, 'c1'), [join(layers, 'L1')]);
      assert.deepEqual((await argvs()).map((a) => a[0]), ['create']);
    });
  });

  describe('exportContainer', () => {
    it('streams what wclayer export writes of the scratch layer, its parents nearest first', async () => {
      const importer = new HcsImporter(standin.env);
      const container = join(root, 'c1');
      await importer.createContainer(container, [join(layers, 'L2'), join(layers, 'L1')]);
      const tar = await tarFromEntries(WINDOWS);
      await writeFile(join(container, STANDIN_EXPORT_TAR), tar);
      await standin.reset();
      const got = await readAll(await importer.exportContainer(container, [join(layers, 'L2'), join(layers, 'L1')]));
      assert.ok(got.equals(tar));
      assert.deepEqual(await argvs(), [['export', '-l', join(layers, 'L2'), '-l', join(layers, 'L1'), container]]);
    });

    it("fails the stream with wclayer's stderr when export fails", async () => {
      const container = join(root, 'c1');
      await new HcsImporter(standin.env).createContainer(container, [join(layers, 'L1')]);
      const importer = new HcsImporter(standin.failing('export', 2, 'hcsshim::ExportLayer failed in Win32: The system cannot find the path specified.\r\n'));
      await assert.rejects(readAll(await importer.exportContainer(container, [join(layers, 'L1')])), isCode('WCLAYER_FAILED', 'wclayer export exited with code 2', 'ExportLayer'));
    });
  });

  describe('finding wclayer', () => {
    it('takes $CTRIMG_WCLAYER, else wclayer or wclayer.exe on PATH', async () => {
      assert.equal(await findWclayer({ CTRIMG_WCLAYER: standin.exe, PATH: '' }), standin.exe);
      const bin = join(root, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'wclayer.exe'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(join(root, 'wclayer'), 'not executable', { mode: 0o644 });
      assert.equal(await findWclayer({ PATH: `${root}:${bin}` }), join(bin, 'wclayer.exe'));
    });

    it('says where it looked and how to set it when wclayer is missing, and only when it is needed', async () => {
      await assert.rejects(findWclayer({ PATH: `/nonexistent:${root}` }), isCode('WCLAYER_NOT_FOUND', '/nonexistent', 'CTRIMG_WCLAYER is not set'));
      await assert.rejects(findWclayer({ CTRIMG_WCLAYER: join(root, 'nope') }), isCode('WCLAYER_NOT_FOUND', join(root, 'nope')));
      const importer = new HcsImporter({ PATH: '' });
      await assert.rejects(importer.ensureReady(), isCode('WCLAYER_NOT_FOUND'));
      await new HcsImporter(standin.env).ensureReady();
      await importer.removeLayer(join(root, 'missing'));
      await rm(join(root, 'missing'), { force: true });
      await assert.rejects(importer.importLayer(Readable.from([Buffer.alloc(1024)]), join(layers, 'L'), { parents: [] }), (err: unknown) => {
        assert.ok(err instanceof CtrimgError && err.code === 'WCLAYER_NOT_FOUND' && /CTRIMG_WCLAYER/.test(err.hint ?? ''));
        return true;
      });
    });
  });
});
