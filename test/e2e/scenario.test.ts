/**
 * The vertical slice end to end, through the real executable against a real registry whose
 * content was pushed by skopeo: register, find, install (base first), lineage, containers with
 * the merged root filesystem, refusals while anything depends on an image, and a store left
 * empty after everything is removed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, ctrimgJson, type ImageJson } from '../support/ctrimg.js';
import { hardLinked, publishFixtures, readTree, type Fixtures } from '../support/fixtures.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore, storedContent } from '../support/store-snapshot.js';


describe('end to end: install, list, containers and safe removal', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let fx: Fixtures;
  let root: string;

  before(async () => {
    registry = await startRegistry();
    fx = await publishFixtures(registry.host);
    root = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-'));
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('registers the registry as a source (http only with -Insecure)', async () => {
    const refused = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /plain http/);
    const ok = await ctrimgJson(root, [
      'register-containerimagesource', '-name', 'local', '--location', registry.url, '-Insecure', '-Namespace', 'samples', '-Pub', 'Contoso',
    ]);
    assert.deepEqual(ok.map((s) => [s.Name, s.Location, s.Namespace, s.Publisher, s.Insecure]), [
      ['local', registry.url, 'samples', 'CN=Contoso', true],
    ]);
  });

  it('finds every image with its newest version and description', async () => {
    const found = await ctrimgJson(root, ['Find-ContainerImage']);
    assert.deepEqual(
      found.map((f) => [f.Name, f.Version, f.Source]),
      [
        ['Multi', '1.0.0.0', 'local'],
        ['NanoServer', '10.0.17763.1', 'local'],
        ['WebApp', '1.2.0.0', 'local'],
      ],
    );
    assert.match(String(found[1]!.Description), /Nano Server base OS image/);
    const nano = await ctrimg(root, ['Find-ContainerImage', '-Name', 'nano*']);
    assert.equal(nano.code, 0);
    assert.match(nano.stdout, /^Name +Version +Source +Description$/m);
    assert.match(nano.stdout, /^NanoServer +10\.0\.17763\.1 +local +Nano Server base OS image/m);
    assert.doesNotMatch(nano.stdout, /WebApp/);
  });

  it('installs the child, installing its base first and saying so', async () => {
    const r = await ctrimg(root, ['Install-ContainerImage', '-Name', 'WebApp']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Installing base image .*samples\/nanoserver.* of .*samples\/webapp:1\.2\.0 first/);
    assert.match(r.stdout, /WebApp/);
    const again = await ctrimg(root, ['Install-ContainerImage', '-Name', 'webapp', '-Version', '1.2.0.0']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /WebApp 1\.2\.0\.0 is already installed/);
    assert.doesNotMatch(again.stderr, /Installing/);
  });

  it('shows IsOSImage and ParentImage from the layer chains', async () => {
    const images = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage']);
    const byName = Object.fromEntries(images.map((i) => [i.Name, i]));
    assert.deepEqual(Object.keys(byName).sort(), ['NanoServer', 'WebApp']);
    const nano = byName.NanoServer!;
    const web = byName.WebApp!;
    assert.equal(nano.IsOSImage, true);
    assert.equal(nano.ParentImage, null);
    assert.equal(nano.Publisher, 'CN=Microsoft');
    assert.equal(nano.Version, '10.0.17763.1');
    assert.equal(nano.Digest, fx.base.manifestDigest);
    assert.equal(nano.Id, fx.base.configDigest);
    assert.equal(nano.Repository, `${registry.host}/samples/nanoserver`);
    assert.equal(nano.Platform, 'linux/amd64');
    assert.equal(web.IsOSImage, false);
    assert.deepEqual(web.ParentImage, { Name: 'NanoServer', Publisher: 'CN=Microsoft', Version: '10.0.17763.1' });
    assert.equal(web.Publisher, 'CN=Contoso');
    assert.equal(web.Tag, '1.2.0');
    assert.equal(web.Size, fx.child.layerDescriptors.reduce((n, l) => n + l.size, 0));

    const table = await ctrimg(root, ['Get-ContainerImage']);
    assert.match(table.stdout, /^Name +Publisher +Version +IsOSImage$/m);
    assert.match(table.stdout, /^NanoServer +CN=Microsoft +10\.0\.17763\.1 +True$/m);
    assert.match(table.stdout, /^WebApp +CN=Contoso +1\.2\.0\.0 +False$/m);

    const prop = await ctrimg(root, ['Get-ContainerImage', '-Name', 'Web*', '-Property', 'Name,ParentImage']);
    assert.match(prop.stdout, /^WebApp ContainerImage \(Name = 'NanoServer'\) \[Publisher = 'CN=Microsoft', Version = '10\.0\.17763\.1'\]$/m);
    const children = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-ChildOf', 'NanoServer']);
    assert.deepEqual(children.map((c) => c.Name), ['WebApp']);
  });

  it("creates a container whose directory holds exactly the image's merged file system", async () => {
    const [c] = await ctrimgJson(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'c1']);
    assert.equal(c!.State, 'Off');
    const listed = await ctrimgJson(root, ['Get-Container']);
    assert.deepEqual(listed.map((x) => [x.Name, x.State, x.Uptime, x.ParentImageName]), [['c1', 'Off', '00:00:00', 'WebApp']]);
    assert.deepEqual(listed[0]!.Image, { Name: 'WebApp', Publisher: 'CN=Contoso', Version: '1.2.0.0' });
    const path = String(listed[0]!.Path);
    assert.deepEqual(await readTree(path), fx.expectedChildTree);
    assert.equal(await hardLinked(path, 'bin/hard', 'bin/tool'), true);
    const dup = await ctrimg(root, ['New-Container', '-ContainerImageName', 'NanoServer', '-Name', 'C1']);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /a container named 'C1' already exists/);
    const table = await ctrimg(root, ['Get-Container']);
    assert.match(table.stdout, /^Name +State +Uptime +ParentImageName$/m);
    assert.match(table.stdout, /^c1 +Off +00:00:00 +WebApp$/m);
  });

  it('refuses to remove the child while a container uses it, naming the container and its state', async () => {
    const before = await snapshotStore(root);
    const r = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'WebApp', '-Force']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /container 'c1' \(Off\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('refuses to remove the base while the child has it as ParentImage, naming the child', async () => {
    const before = await snapshotStore(root);
    const r = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'NanoServer']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /image 'WebApp 1\.2\.0\.0'/);
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('removes both images once the container is gone, leaving no blobs or layer directories', async () => {
    const rc = await ctrimg(root, ['Remove-Container', '-Name', 'c1', '-Force']);
    assert.equal(rc.code, 0, rc.stderr);
    const web = await ctrimg(root, ['Get-ContainerImage', '-Name', 'WebApp', '-OutputFormat', 'Json']);
    const piped = await ctrimg(root, ['Remove-ContainerImage', '-Force'], { stdin: web.stdout });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stderr, /Removed image WebApp 1\.2\.0\.0/);
    const mid = await snapshotStore(root);
    assert.equal(mid.rows.layers!.length, 3, 'the base keeps its three layers');
    const base = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'NanoServer', '-Confirm:$false']);
    assert.equal(base.code, 0, base.stderr);
    const after = await snapshotStore(root);
    assert.deepEqual(storedContent(after), []);
    assert.deepEqual([after.rows.images, after.rows.layers, after.rows.containers], [[], [], []]);
  });

  it('picks the entry of a multi-platform index for the platform asked for', async () => {
    const ref = `${registry.host}/samples/multi:1.0`;
    const win = await ctrimgJson<ImageJson>(root, ['Install-ContainerImage', '-Reference', ref, '-Platform', 'windows/amd64:10.0.17763.1']);
    assert.equal(win[0]!.Platform, 'windows/amd64:10.0.17763.1');
    assert.equal(win[0]!.Digest, fx.multi.windows.manifestDigest);
    const lin = await ctrimgJson<ImageJson>(root, ['Install-ContainerImage', '-Reference', ref, '-Platform', 'linux/amd64']);
    assert.equal(lin[0]!.Digest, fx.multi.linux.manifestDigest);
    const none = await ctrimg(root, ['Install-ContainerImage', '-Reference', ref, '-Platform', 'linux/s390x']);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /linux\/s390x/);
    assert.match(none.stderr, /windows\/amd64/);
    const rm = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'Multi', '-Force']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(storedContent(await snapshotStore(root)), []);
  });
});
