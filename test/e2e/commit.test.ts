/**
 * New-ContainerImage and `ctrimg commit` end to end, through the executable: an image installed
 * from a real registry, a container of it changed in every way a layer can carry, committed; a
 * container of the new image holds exactly the changed tree, the new image's lineage and
 * identity show in Get-ContainerImage, and its layer blob is a standard tar+gzip whose digests
 * are what the manifest and config say. Bad input is refused with its code, changing nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { ctrimg, ctrimgJson, type ImageJson } from '../support/ctrimg.js';
import { publishFixtures } from '../support/fixtures.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore } from '../support/store-snapshot.js';
import { diffDirs } from '../support/tree-diff.js';


const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ROOT_ATTRIBUTES = { path: '', fields: ['mtime' as const], why: "a container root's own attributes are the store's, not a layer's" };

describe('end to end: committing a container as an image', function () {
  this.timeout(180_000);
  let registry: RunningRegistry;
  let root: string;
  let c1: string;
  const blob = (digest: string) => readFileSync(join(root, 'blobs/sha256', digest.slice('sha256:'.length)));
  const containerPath = async (name: string) => String((await ctrimgJson(root, ['Get-Container', '-Name', name]))[0]!.Path);

  before(async () => {
    registry = await startRegistry();
    await publishFixtures(registry.host);
    root = await mkdtemp(join(tmpdir(), 'ctrimg-commit-'));
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure', '-Namespace', 'samples', '-Publisher', 'Contoso']);
    assert.equal(reg.code, 0, reg.stderr);
    const inst = await ctrimg(root, ['Install-ContainerImage', '-Name', 'WebApp']);
    assert.equal(inst.code, 0, inst.stderr);
    await ctrimgJson(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'c1']);
    c1 = await containerPath('c1');
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses an unchanged container: CONTAINER_UNCHANGED, nothing written', async () => {
    const before = await snapshotStore(root);
    const r = await ctrimg(root, ['New-ContainerImage', '-ContainerName', 'c1', '-Name', 'DemoImage', '-Publisher', 'Demo', '-Version', '1.0']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /holds no change .*\[CONTAINER_UNCHANGED\]/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('commits every kind of change; a container of the new image holds exactly the committed tree', async () => {
    const at = (p: string) => join(c1, p);
    writeFileSync(at('app/new.txt'), 'added\n');
    writeFileSync(at('app/app.txt'), 'changed content\n');
    mkdirSync(at('app/conf.d'));
    writeFileSync(at('app/conf.d/x.conf'), 'x=1\n');
    chmodSync(at('app/conf.d/x.conf'), 0o640);
    chownSync(at('app/conf.d/x.conf'), 1000, 1000);
    symlinkSync('../app/new.txt', at('app/link'));
    execFileSync('setfattr', ['-n', 'user.commit', '-v', 'yes', at('app/new.txt')]);
    execFileSync('touch', ['-d', '@1700000000.25', at('app/new.txt')]);
    unlinkSync(at('bin/hard'));
    rmSync(at('etc'), { recursive: true, force: true });

    const [made] = await ctrimgJson<ImageJson>(root, ['New-ContainerImage', '-ContainerName', 'c1', '-Name', 'DemoImage', '-Publisher', 'Demo', '-Version', '1.0']);
    assert.equal(made!.Name, 'DemoImage');

    const [c2] = await ctrimgJson(root, ['New-Container', '-ContainerImageName', 'DemoImage', '-Name', 'c2']);
    assert.deepEqual(await diffDirs(c1, String(c2!.Path), { labels: ['committed container', 'container of the commit'], ignore: [ROOT_ATTRIBUTES] }), []);
  });

  it('shows the new image with Publisher CN=Demo, Version 1.0.0.0 and the container image as ParentImage', async () => {
    const [img] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'DemoImage']);
    assert.equal(img!.Publisher, 'CN=Demo');
    assert.equal(img!.Version, '1.0.0.0');
    assert.equal(img!.IsOSImage, false);
    assert.deepEqual(img!.ParentImage, { Name: 'WebApp', Publisher: 'CN=Contoso', Version: '1.2.0.0' });
    const children = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-ChildOf', 'WebApp']);
    assert.deepEqual(children.map((c) => c.Name), ['DemoImage']);
  });

  it('stores a standard tar+gzip layer whose digest and diff id are the manifest and config ones, and a history entry', async () => {
    const [img] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'DemoImage']);
    const manifest = JSON.parse(blob(img!.Digest).toString()) as { mediaType: string; config: { digest: string }; layers: { digest: string; size: number; mediaType: string }[] };
    const config = JSON.parse(blob(manifest.config.digest).toString()) as { rootfs: { diff_ids: string[] }; history: { created_by: string; created: string }[]; created: string };
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const [web] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'WebApp']);
    const parentConfig = JSON.parse(blob(web!.Id).toString()) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids.slice(0, -1), parentConfig.rootfs.diff_ids);
    const parentManifest = JSON.parse(blob(web!.Digest).toString()) as { layers: { digest: string; size: number }[] };
    assert.deepEqual(manifest.layers.slice(0, -1).map((l) => [l.digest, l.size]), parentManifest.layers.map((l) => [l.digest, l.size]));
    const top = manifest.layers.at(-1)!;
    assert.equal(top.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const gz = blob(top.digest);
    assert.equal(sha256(gz), top.digest);
    assert.equal(gz.length, top.size);
    const tar = gunzipSync(gz);
    assert.equal(sha256(tar), config.rootfs.diff_ids.at(-1));
    assert.match(config.history.at(-1)!.created_by, /New-ContainerImage -ContainerName c1/);
    assert.equal(config.history.at(-1)!.created, config.created);
    // GNU tar reads it as a standard archive: each change in walk order, one whiteout per deletion at the deleted name's place.
    const listed = execFileSync('tar', ['-tzf', '-'], { input: gz, encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listed, ['app/', 'app/app.txt', 'app/conf.d/', 'app/conf.d/x.conf', 'app/link', 'app/new.txt', 'bin/', 'bin/.wh.hard', '.wh.etc']);
  });

  it('is unpacked by umoci, from an OCI layout of the stored blobs, into the tree a container of the new image holds', async () => {
    const [img] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'DemoImage']);
    const manifestBytes = blob(img!.Digest);
    const manifest = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    const layout = join(root, '..', `${basename(root)}-layout`);
    mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
    try {
      for (const digest of [img!.Digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
        writeFileSync(join(layout, 'blobs/sha256', digest.slice('sha256:'.length)), blob(digest));
      }
      writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      const ref = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img!.Digest, size: manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': 'demo' } };
      writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [ref] }));
      execFileSync('umoci', ['unpack', '--image', `${layout}:demo`, join(layout, 'bundle')]);
      const c2 = await containerPath('c2');
      assert.deepEqual(await diffDirs(c2, join(layout, 'bundle/rootfs'), { labels: ['ctrimg', 'umoci'], ignore: [{ path: '', fields: ['mtime', 'mode'], why: "the root's own attributes are the store's and umoci's, not a layer's" }] }), []);
    } finally {
      rmSync(layout, { recursive: true, force: true });
    }
  });

  it("ctrimg commit [-m] [-a] CONTAINER REPOSITORY:TAG takes a version tag as the version and prints the image's id, as docker", async () => {
    writeFileSync(join(c1, 'app/second.txt'), 'second\n');
    const r = await ctrimg(root, ['commit', '-m', 'the second file', '-a', 'Tester', 'c1', 'demo/second:2.1']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const [img] = (await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'second'])).filter((i) => i.Id === id);
    assert.deepEqual([img!.Name, img!.Version, img!.Repository, img!.Tag], ['second', '2.1.0.0', 'demo/second', '2.1']);
    assert.equal(img!.ParentImage!.Name, 'WebApp');
    const history = await ctrimg(root, ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'demo/second:2.1']);
    assert.equal(history.stdout.split('\n')[0], `${id}|ctrimg commit c1|the second file`);
    const latest = await ctrimg(root, ['commit', 'c1', 'demo/latest']);
    assert.equal(latest.code, 0, latest.stderr);
    const [named] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'latest']);
    assert.deepEqual([named!.Name, named!.Version ?? '', named!.Id], ['latest', '', latest.stdout.trim()]);
    const unnamed = await ctrimg(root, ['commit', 'c1']);
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.stderr, /requires CONTAINER and REPOSITORY\[:TAG\]/);
  });

  describe('bad input: a one-line error with its code, the store unchanged', () => {
    const cases: Array<[string, string[], number, RegExp]> = [
      ['a missing container', ['-ContainerName', 'nope', '-Name', 'X', '-Version', '1.0'], 3, /CONTAINER_NOT_FOUND/],
      ['a name and version installed already', ['-ContainerName', 'c1', '-Name', 'demoimage', '-Version', '1.0.0.0'], 2, /'DemoImage 1\.0\.0\.0' is installed already.*\[IMAGE_EXISTS\]/],
      ['-Force over an image a container depends on', ['-ContainerName', 'c1', '-Name', 'DemoImage', '-Version', '1.0', '-Force'], 4, /container 'c2'.*\[IMAGE_IN_USE\]/],
      ['an invalid version', ['-ContainerName', 'c1', '-Name', 'X', '-Version', '1.x'], 2, /-Version: invalid version '1\.x'.*\[VERSION_INVALID\]/],
      ['an invalid publisher', ['-ContainerName', 'c1', '-Name', 'X', '-Publisher', 'Demo;rm', '-Version', '1.0'], 2, /\[PUBLISHER_INVALID\]/],
      ['an invalid name', ['-ContainerName', 'c1', '-Name', '../x', '-Version', '1.0'], 2, /\[IMAGE_NAME_INVALID\]/],
    ];
    for (const [what, args, code, message] of cases) {
      it(`refuses ${what}`, async () => {
        const before = await snapshotStore(root);
        const r = await ctrimg(root, ['New-ContainerImage', ...args]);
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.deepEqual(await snapshotStore(root), before);
      });
    }

    it('refuses a container that is not Off', async () => {
      const db = new Database(join(root, 'ctrimg.db'));
      db.prepare("UPDATE containers SET state = 'Running' WHERE name = 'c1'").run();
      db.close();
      try {
        const before = await snapshotStore(root);
        const r = await ctrimg(root, ['New-ContainerImage', '-ContainerName', 'c1', '-Name', 'Other', '-Version', '1.0']);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /container 'c1' is Running.*\[CONTAINER_NOT_OFF\]/);
        assert.deepEqual(await snapshotStore(root), before);
      } finally {
        const again = new Database(join(root, 'ctrimg.db'));
        again.prepare("UPDATE containers SET state = 'Off' WHERE name = 'c1'").run();
        again.close();
      }
    });
  });

  // A suite of its own: mocha runs a suite's tests before its child suites, and this one must come after the refusals.
  describe('replacing', () => {
    it('-Force replaces an image nothing depends on, and takes a container piped in', async () => {
      assert.equal((await ctrimg(root, ['Remove-Container', '-Name', 'c2', '-Force'])).code, 0);
      const [old] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'DemoImage']);
      writeFileSync(join(c1, 'app/third.txt'), 'third\n');
      const piped = (await ctrimg(root, ['Get-Container', '-Name', 'c1', '-OutputFormat', 'Json'])).stdout;
      const [made] = await ctrimgJson<ImageJson>(root, ['New-ContainerImage', '-Name', 'DemoImage', '-Version', '1.0', '-Force'], { stdin: piped });
      const now = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'DemoImage']);
      assert.deepEqual(now.map((i) => i.Digest), [made!.Digest]);
      assert.notEqual(made!.Digest, old!.Digest);
    });
  });
});
