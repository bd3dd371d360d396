/**
 * The `hcs` importer through the executable, with a stand-in wclayer: a Windows-layout image is
 * installed, a container made and removed, the image removed, and every wclayer call checked;
 * each layer is imported where it lives, and one killed mid-import is removed by the next command.
 * The store keeps the importer it was first used with; forcing the other one is a usage error.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ctrimg, ctrimgJson, startCtrimg } from '../support/ctrimg.js';
import { hexOf, publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { makeStandin, STANDIN_EXPORT_TAR, type Standin } from '../support/wclayer.js';

describe('end to end: the hcs importer with a stand-in wclayer', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let standin: Standin;
  let root: string;
  let image: PublishedImage;
  let tars: Buffer[];

  before(async () => {
    [registry, standin] = await Promise.all([startRegistry(), makeStandin()]);
    root = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-hcs-'));
    tars = [
      await tarFromEntries([
        { name: 'Files/', type: 'directory' },
        { name: 'Files/Windows/', type: 'directory' },
        { name: 'Files/Windows/win.ini', content: '[fonts]\r\n' },
        { name: 'Files/old.txt', content: 'old' },
        { name: 'Hives/', type: 'directory' },
        { name: 'Hives/Software_Delta', content: Buffer.alloc(4096, 3) },
      ]),
      await tarFromEntries([
        { name: 'Files/', type: 'directory' },
        { name: 'Files/.wh.old.txt', content: '' },
        { name: 'Files/app.exe', content: 'MZ app' },
        { name: 'Hives/', type: 'directory' },
      ]),
    ];
    image = await publishImage(registry.host, { repo: 'samples/winapp', tag: '1.0', os: 'windows', osVersion: '10.0.17763.1', layers: tars.map((tar) => ({ tar })) });
  });
  after(async () => {
    await registry?.stop();
    await standin?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const run = (args: string[], env: NodeJS.ProcessEnv = standin.env) => ctrimg(root, args, { env });

  it('installs, makes and removes a container, and removes the image, all through wclayer', async () => {
    const chain1 = hexOf(image.diffIds[0]!);
    const chain2 = createHash('sha256').update(`${image.diffIds[0]} ${image.diffIds[1]}`).digest('hex');
    const final1 = join(root, 'layers', chain1);
    const final2 = join(root, 'layers', chain2);

    const r = await run(['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Importer', 'hcs', '-Platform', 'windows/amd64']);
    assert.equal(r.code, 0, r.stderr);
    let calls = await standin.calls();
    assert.deepEqual(calls.map((c) => c.argv.slice(0, -1)), [['import'], ['import', '-l', final1]]);
    // Imported where each layer lives, never moved: HCS names a layer by its directory.
    assert.deepEqual(calls.map((c) => c.argv.at(-1)), [final1, final2]);
    calls.forEach((c, i) => assert.ok(c.stdin!.equals(tars[i]!), `layer ${i + 1}: wclayer got other bytes than the layer tar`));
    assert.equal(await readFile(join(final1, 'layerchain.json'), 'utf8'), 'null');
    assert.deepEqual(JSON.parse(await readFile(join(final2, 'layerchain.json'), 'utf8')), [final1]);
    const [installed] = await ctrimgJson(root, ['Get-ContainerImage', '-Name', 'winapp']);
    assert.equal(installed!.IsOSImage, true);

    await standin.reset();
    const c = await run(['New-Container', '-ContainerImageName', 'winapp', '-Name', 'w1', '-OutputFormat', 'Json']);
    assert.equal(c.code, 0, c.stderr);
    const path = String((JSON.parse(c.stdout) as { Path: string }[])[0]!.Path);
    assert.deepEqual((await standin.calls()).map((x) => x.argv), [['create', '-l', final2, '-l', final1, path]]);
    assert.deepEqual(JSON.parse(await readFile(join(path, 'layerchain.json'), 'utf8')), [final2, final1]);
    assert.deepEqual((await readdir(path)).sort(), ['layerchain.json', 'sandbox.vhdx'], 'no diskpart script is left');
    const badSize = await run(['New-Container', '-ContainerImageName', 'winapp', '-Name', 'w2', '-ScratchSize', '10GB']);
    assert.equal(badSize.code, 2, badSize.stderr);
    assert.match(badSize.stderr, /^New-Container: -ScratchSize: 10GB is smaller than the 20 GiB scratch disk wclayer creates, which cannot shrink \(give at least 20GB, such as 127GB; units are binary, 1GB = 1024 MB\) \[SCRATCH_SIZE_INVALID\]$/m);

    // No -Importer from here on: the store remembers hcs.
    await standin.reset();
    assert.equal((await run(['Remove-Container', '-Name', 'w1', '-Force'])).code, 0);
    assert.equal((await run(['Remove-ContainerImage', '-Name', 'winapp', '-Force'])).code, 0);
    assert.deepEqual((await standin.calls()).map((x) => x.argv), [['remove', path], ['remove', final2], ['remove', final1]]);
    assert.equal(existsSync(path) || existsSync(final1) || existsSync(final2), false);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
  });

  it("commits a container: wclayer export's tar becomes the new layer, gzipped into the store and imported over the image's layers", async () => {
    const chain1 = hexOf(image.diffIds[0]!);
    const chain2 = createHash('sha256').update(`${image.diffIds[0]} ${image.diffIds[1]}`).digest('hex');
    const [final1, final2] = [chain1, chain2].map((c) => join(root, 'layers', c));
    assert.equal((await run(['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Importer', 'hcs', '-Platform', 'windows/amd64'])).code, 0);
    const c = await run(['New-Container', '-ContainerImageName', 'winapp', '-Name', 'w1', '-OutputFormat', 'Json']);
    const path = String((JSON.parse(c.stdout) as { Path: string }[])[0]!.Path);

    // The stand-in's scratch layer exports no entry until the test puts a tar in it.
    await standin.reset();
    const unchanged = await run(['New-ContainerImage', '-ContainerName', 'w1', '-Name', 'WinDemo', '-Version', '1.0']);
    assert.equal(unchanged.code, 1, unchanged.stderr);
    assert.match(unchanged.stderr, /\[CONTAINER_UNCHANGED\]/);
    assert.deepEqual((await standin.calls()).map((x) => x.argv), [['export', '-l', final2, '-l', final1, path]]);

    const changes = await tarFromEntries([
      { name: 'Files/', type: 'directory' },
      { name: 'Files/app.exe', content: 'MZ app, patched' },
      { name: 'Files/.wh.Windows', content: '' },
      { name: 'Hives/', type: 'directory' },
    ]);
    await writeFile(join(path, STANDIN_EXPORT_TAR), changes);
    await standin.reset();
    const made = await run(['New-ContainerImage', '-ContainerName', 'w1', '-Name', 'WinDemo', '-Publisher', 'Demo', '-Version', '1.0', '-OutputFormat', 'Json']);
    assert.equal(made.code, 0, made.stderr);
    const [img] = JSON.parse(made.stdout) as { Digest: string; ParentImage: { Name: string } }[];
    assert.equal(img!.ParentImage.Name, 'winapp');
    const blobOf = (digest: string) => readFile(join(root, 'blobs/sha256', digest.slice('sha256:'.length)));
    const manifest = JSON.parse((await blobOf(img!.Digest)).toString()) as { layers: { digest: string }[]; config: { digest: string } };
    const config = JSON.parse((await blobOf(manifest.config.digest)).toString()) as { rootfs: { diff_ids: string[] } };
    const gz = await blobOf(manifest.layers.at(-1)!.digest);
    assert.ok(gunzipSync(gz).equals(changes), 'the layer blob is the export, gzipped');
    const diffId = `sha256:${createHash('sha256').update(changes).digest('hex')}`;
    assert.equal(config.rootfs.diff_ids.at(-1), diffId);
    const final3 = join(root, 'layers', createHash('sha256').update(`sha256:${chain2} ${diffId}`).digest('hex'));
    const calls = await standin.calls();
    assert.deepEqual(calls.map((x) => x.argv), [['export', '-l', final2, '-l', final1, path], ['import', '-l', final2, '-l', final1, final3]]);
    assert.ok(calls[1]!.stdin!.equals(changes), 'wclayer import got the exported tar');

    assert.equal((await run(['Remove-ContainerImage', '-Name', 'WinDemo', '-Force'])).code, 0);
    assert.equal((await run(['Remove-Container', '-Name', 'w1', '-Force'])).code, 0);
    assert.equal((await run(['Remove-ContainerImage', '-Name', 'winapp', '-Force'])).code, 0);
    assert.equal(existsSync(final3), false);
  });

  it('refuses a Linux image with INVALID_WINDOWS_LAYER, leaving nothing behind', async () => {
    const linux = await publishImage(registry.host, { repo: 'samples/linuxapp', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=x\n' }]) }] });
    await standin.reset();
    const r = await run(['Install-ContainerImage', '-Reference', linux.reference, '-Insecure', '-Importer', 'hcs']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Install-ContainerImage: invalid Windows layer tar: entry 'etc\/' is not under Files\/, Hives\/ or UtilityVM\//m);
    // wclayer is killed on the first bad entry, which may be before it has even recorded its
    // start; whatever it made is removed with wclayer remove.
    const calls = (await standin.calls()).map((x) => x.argv);
    assert.ok(calls.length <= 2, JSON.stringify(calls));
    if (calls.length > 0) assert.equal(calls[0]![0], 'import');
    if (calls.length > 1) assert.deepEqual(calls[1], ['remove', calls[0]!.at(-1)!]);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
  });

  it("fails an install with wclayer's stderr in one line and keeps nothing of it", async () => {
    await standin.reset();
    const env = standin.failing('import', 7, 'hcsshim::ImportLayer - failed failed in Win32: Access is denied. (0x5)\r\n');
    const r = await run(['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Importer', 'hcs', '-Platform', 'windows/amd64'], env);
    assert.equal(r.code, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Install-ContainerImage:'));
    assert.deepEqual(errors, ['Install-ContainerImage: wclayer import exited with code 7: hcsshim::ImportLayer - failed failed in Win32: Access is denied. (0x5) [WCLAYER_FAILED]']);
    const calls = (await standin.calls()).map((x) => x.argv);
    assert.deepEqual(calls, [['import', calls[0]!.at(-1)!], ['remove', calls[0]!.at(-1)!]]);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
  });

  it('removes a layer imported in place that fails its diff id, marker and all', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const bad = await publishImage(registry.host, {
      repo: 'samples/wrongdiff', tag: '1.0', os: 'windows', osVersion: '10.0.17763.1', layers: [{ tar: tars[0]! }],
      configOverrides: { rootfs: { type: 'layers', diff_ids: [wrong] } },
    });
    await standin.reset();
    const r = await run(['Install-ContainerImage', '-Reference', bad.reference, '-Insecure', '-Importer', 'hcs', '-Platform', 'windows/amd64']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\[DIFF_ID_MISMATCH\]/);
    const layer = join(root, 'layers', wrong.slice('sha256:'.length));
    assert.deepEqual((await standin.calls()).map((x) => x.argv), [['import', layer], ['remove', layer]]);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
  });

  it('reports the error that failed an install even when wclayer remove then fails too, keeps the markers, and the next command recovers', async () => {
    const wrong = `sha256:${'1'.repeat(64)}`;
    const bad = await publishImage(registry.host, {
      repo: 'samples/wrongsecond', tag: '1.0', os: 'windows', osVersion: '10.0.17763.1', layers: tars.map((tar) => ({ tar })),
      configOverrides: { rootfs: { type: 'layers', diff_ids: [image.diffIds[0], wrong] } },
    });
    const store = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-hcs-undo-'));
    const install = ['Install-ContainerImage', '-Reference', bad.reference, '-Insecure', '-Importer', 'hcs', '-Platform', 'windows/amd64'];
    try {
      const r = await ctrimg(store, install, { env: standin.failing('remove', 5, 'hcsshim::DestroyLayer - Access is denied.\r\n') });
      assert.equal(r.code, 1, r.stderr);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('Install-ContainerImage:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, /uncompressed content is .*, the config says sha256:1{64} \[DIFF_ID_MISMATCH\]$/);
      assert.match(r.stderr, /could not remove .*Access is denied/);
      const left = await readdir(join(store, 'layers'));
      assert.equal(left.filter((n) => n.startsWith('.in-place-')).length, 2, `both layers stay marked: ${left.join(' ')}`);

      await standin.reset();
      const again = await ctrimg(store, install, { env: standin.env });
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, /\[DIFF_ID_MISMATCH\]/);
      // Recovery removed both marked layers before the attempt; the attempt removed its own.
      assert.deepEqual(await readdir(join(store, 'layers')), []);
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  });

  it('refuses to mix importers in one store with a usage error, and says when wclayer is missing', async () => {
    const r = await run(['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Platform', 'windows/amd64']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const forced = await run(['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Importer', 'dir']);
    assert.equal(forced.code, 2);
    assert.match(forced.stderr, /^Install-ContainerImage: this store's layers and containers were made by the 'hcs' importer; 'dir' cannot use them/m);
    const byEnv = await run(['Remove-ContainerImage', '-Name', 'winapp', '-Force'], { ...standin.env, CTRIMG_IMPORTER: 'dir' });
    assert.equal(byEnv.code, 2, byEnv.stderr);
    const bad = await run(['Remove-ContainerImage', '-Name', 'winapp', '-Force'], { ...standin.env, CTRIMG_IMPORTER: 'zip' });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /CTRIMG_IMPORTER is 'zip': it must be dir or hcs/);

    const { CTRIMG_WCLAYER: _, ...noWclayer } = standin.env;
    const missing = await run(['New-Container', '-ContainerImageName', 'winapp', '-Name', 'w2'], { ...noWclayer, PATH: '/nonexistent' });
    assert.equal(missing.code, 1);
    assert.deepEqual(await ctrimgJson(root, ['Get-Container']), []);
    assert.match(missing.stderr, /cannot find wclayer: CTRIMG_WCLAYER is not set and neither wclayer nor wclayer\.exe is in a PATH directory \(\/nonexistent\)/);
    // Removal checks for wclayer before it deletes a record: the image stays, whole.
    const removing = await run(['Remove-ContainerImage', '-Name', 'winapp', '-Force'], { ...noWclayer, PATH: '/nonexistent' });
    assert.equal(removing.code, 1, removing.stderr);
    assert.match(removing.stderr, /^Remove-ContainerImage: cannot find wclayer/m);
    assert.equal((await ctrimgJson(root, ['Get-ContainerImage', '-Name', 'winapp'])).length, 1, 'the image is still installed');
    assert.equal(existsSync(join(root, 'layers', hexOf(image.diffIds[0]!), 'layerchain.json')), true, 'with its layers');

    assert.equal((await run(['Remove-ContainerImage', '-Name', 'winapp', '-Force'])).code, 0);
    // Empty again, the store may switch.
    assert.equal((await run(['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Importer', 'dir', '-Platform', 'windows/amd64'])).code, 0);
    assert.equal(existsSync(join(root, 'layers', hexOf(image.diffIds[0]!), 'Files', 'Windows', 'win.ini')), true);
    // A dir container is a directory: a scratch size is refused, not ignored.
    const dirSize = await run(['New-Container', '-ContainerImageName', 'winapp', '-Name', 'd1', '-ScratchSize', '127GB']);
    assert.equal(dirSize.code, 2, dirSize.stderr);
    assert.match(dirSize.stderr, /the dir importer makes a container a plain directory, without a size \(Leave -ScratchSize out with the dir importer\) \[SCRATCH_SIZE_INVALID\]$/m);
    assert.deepEqual(await ctrimgJson(root, ['Get-Container']), []);
  });

  it('leaves a killed install\'s layers marked, checked ones too, and the next command removes them and the wclayer temp, then imports again', async () => {
    const store = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-hcs-killed-'));
    const install = ['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Importer', 'hcs', '-Platform', 'windows/amd64'];
    const chain1 = hexOf(image.diffIds[0]!);
    const chain2 = createHash('sha256').update(`${image.diffIds[0]} ${image.diffIds[1]}`).digest('hex');
    const layers = join(store, 'layers');
    try {
      await standin.reset();
      // The base layer is imported and checked; the second one's import hangs once wclayer has
      // written it: the machine goes down there.
      const cli = startCtrimg(store, install, { env: standin.hanging('import-with-parents'), timeoutMs: 60_000 });
      const wclayer = await standin.untilHanging();
      process.kill(cli.pid, 'SIGKILL');
      process.kill(wclayer, 'SIGKILL');
      await cli.done;

      const left = await readdir(layers);
      assert.ok(left.includes(chain1) && left.includes(chain2), `both layers were imported where they live: ${left.join(' ')}`);
      // The checked base layer stays marked too: no image records it yet.
      for (const chain of [chain1, chain2]) {
        assert.ok(left.some((n) => n.startsWith(`.in-place-${cli.pid}-`) && n.endsWith(`-${chain}`)), `${chain} marked unfinished: ${left.join(' ')}`);
      }
      const temp = left.find((n) => n.startsWith(`.wclayer-temp-${cli.pid}-`));
      assert.ok(temp, `wclayer's TEMP is in the store: ${left.join(' ')}`);
      assert.match((await readdir(join(layers, temp))).join(' '), /^hcs\S+$/, 'with the staging directory the killed wclayer left');
      assert.deepEqual(await ctrimgJson(store, ['Get-ContainerImage']), []);

      await standin.reset();
      const again = await ctrimg(store, install, { env: standin.env });
      assert.equal(again.code, 0, again.stderr);
      // Recovery hands both unrecorded layers to wclayer remove before the imports start again.
      const calls = (await standin.calls()).map((c) => c.argv);
      assert.deepEqual(calls.slice(0, 2).sort(), [['remove', join(layers, chain1)], ['remove', join(layers, chain2)]].sort());
      assert.deepEqual(calls.slice(2), [['import', join(layers, chain1)], ['import', '-l', join(layers, chain1), join(layers, chain2)]]);
      assert.deepEqual((await readdir(layers)).sort(), [chain1, chain2].sort());
      assert.deepEqual(JSON.parse(await readFile(join(layers, chain2, 'layerchain.json'), 'utf8')), [join(layers, chain1)]);
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  });
});
