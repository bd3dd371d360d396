/**
 * JSON pipelines end to end: one ctrimg's -OutputFormat Json piped through a real OS pipe (bash
 * makes it) into the cmdlet PowerShell would pipe it into, against a real registry, each checked
 * by its effect on the store or the archive written. The registry offers WebApp 1.2.0 and a newer
 * 1.3.0, so a found image installed as anything but the version Find listed would show.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ctrimg, ctrimgJson, ctrimgPipeline, type ImageJson } from '../support/ctrimg.js';
import { publishFixtures, type Fixtures } from '../support/fixtures.js';
import { publishImage, run, tarFromEntries, type Digest, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore } from '../support/store-snapshot.js';

interface ContainerJson {
  Id: string;
  Name: string;
  ParentImageName: string;
  Path: string;
  Image: { Name: string; Version: string };
}

describe('end to end: JSON pipelines between cmdlets', function () {
  this.timeout(180_000);
  let registry: RunningRegistry;
  let fx: Fixtures;
  let newer: PublishedImage;
  const temps: string[] = [];

  const tempDir = async (prefix: string) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  /** A fresh store with the registry as source 'local' (publisher Contoso). */
  const freshStore = async () => {
    const root = await tempDir('ctrimg-e2e-pipes-');
    await register(root, 'local', 'Contoso');
    return root;
  };
  const register = async (root: string, name: string, publisher: string) => {
    const r = await ctrimg(root, ['Register-ContainerImageSource', '-Name', name, '-Location', registry.url, '-Insecure', '-Namespace', 'samples', '-Publisher', publisher]);
    assert.equal(r.code, 0, r.stderr);
  };
  const install = async (root: string, ...args: string[]) => {
    const r = await ctrimg(root, ['Install-ContainerImage', ...args]);
    assert.equal(r.code, 0, r.stderr);
  };
  const installed = async (root: string) => (await ctrimgJson<ImageJson>(root, ['Get-ContainerImage'])).map((i) => `${i.Name} ${i.Version} ${i.Publisher}`).sort();
  const pipe = async (root: string, left: string[], right: string[]) => {
    const r = await ctrimgPipeline(root, [...left, '-OutputFormat', 'Json'], right, { timeoutMs: 120_000 });
    assert.equal(r.producer.code, 0, r.producer.stderr);
    return r.consumer;
  };
  /** A file from a tar archive. */
  const fromTar = async (file: string, name: string) => JSON.parse((await run('tar', ['-xOf', file, name])).stdout.toString()) as unknown;

  before(async () => {
    registry = await startRegistry();
    fx = await publishFixtures(registry.host);
    // WebApp 1.3.0: the same base, another app layer.
    const baseLayers = fx.base.layerDigests.map((d) => ({ tar: gunzipSync(fx.base.blobs.get(d)!), rawBlob: fx.base.blobs.get(d)! }));
    newer = await publishImage(registry.host, {
      repo: fx.child.repo,
      tag: '1.3.0',
      annotations: { ...(fx.child.manifest.annotations as Record<string, string>) },
      layers: [...baseLayers, { tar: await tarFromEntries([{ name: 'app/app.txt', content: 'hello from webapp 1.3.0\n' }]) }],
    });
  });
  after(async () => {
    await registry?.stop();
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  describe('Find-ContainerImage | Install-ContainerImage', () => {
    it('installs exactly the version Find listed, not the newest', async () => {
      const root = await freshStore();
      const r = await pipe(root, ['Find-ContainerImage', '-Name', 'WebApp', '-MaximumVersion', '1.2.0'], ['Install-ContainerImage']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await installed(root), ['NanoServer 10.0.17763.1 CN=Microsoft', 'WebApp 1.2.0.0 CN=Contoso']);
      const [web] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'WebApp']);
      assert.equal(web!.Digest, fx.child.manifestDigest);
    });

    it('installs from the source Find named, not the first registered', async () => {
      const root = await freshStore();
      await register(root, 'second', 'Fabrikam');
      const r = await pipe(root, ['Find-ContainerImage', '-Name', 'WebApp', '-Source', 'second', '-MaximumVersion', '1.2.0'], ['Install-ContainerImage']);
      assert.equal(r.code, 0, r.stderr);
      // The publisher is the source's (the base names its own).
      assert.deepEqual(await installed(root), ['NanoServer 10.0.17763.1 CN=Microsoft', 'WebApp 1.2.0.0 CN=Fabrikam']);
    });

    it('installs one image per object: every version -AllVersions listed', async () => {
      const root = await freshStore();
      const r = await pipe(root, ['Find-ContainerImage', '-Name', 'WebApp', '-AllVersions'], ['Install-ContainerImage', '-OutputFormat', 'Json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await installed(root), ['NanoServer 10.0.17763.1 CN=Microsoft', 'WebApp 1.2.0.0 CN=Contoso', 'WebApp 1.3.0.0 CN=Contoso']);
      const out = JSON.parse(r.stdout) as ImageJson[];
      assert.deepEqual(out.map((i) => `${i.Name} ${i.Version}`).sort(), ['NanoServer 10.0.17763.1', 'WebApp 1.2.0.0', 'WebApp 1.3.0.0'], 'the base listed once');
    });

    it('-ErrorAction: Continue installs the objects after one that fails and exits with its code; Stop installs none after it', async () => {
      const found = (name: string, version: string) => ({ Name: name, Version: version, Source: 'local', Description: '' });
      const stdin = JSON.stringify([found('Missing', '1.0.0'), found('WebApp', '1.2.0')]);
      const cont = await freshStore();
      const c = await ctrimg(cont, ['Install-ContainerImage'], { stdin });
      assert.equal(c.code, 3, c.stderr);
      assert.match(c.stderr, /^Install-ContainerImage: .*Missing.* \[[A-Z_]+\]$/m);
      assert.deepEqual(await installed(cont), ['NanoServer 10.0.17763.1 CN=Microsoft', 'WebApp 1.2.0.0 CN=Contoso']);
      const stop = await freshStore();
      const s = await ctrimg(stop, ['Install-ContainerImage', '-ErrorAction', 'Stop'], { stdin });
      assert.equal(s.code, 3, s.stderr);
      assert.deepEqual(await installed(stop), []);
    });

    it('refuses a container piped in, naming what it takes, and changes nothing', async () => {
      const root = await freshStore();
      await install(root, '-Name', 'NanoServer');
      assert.equal((await ctrimg(root, ['New-Container', '-ContainerImageName', 'NanoServer', '-Name', 'c1'])).code, 0);
      const before = await snapshotStore(root);
      const r = await pipe(root, ['Get-Container'], ['Install-ContainerImage']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^Install-ContainerImage: piped object 1 of 1 is a container \(Get-Container\); Install-ContainerImage takes found images \(Find-ContainerImage -OutputFormat Json\).*\[PIPED_INVALID\]$/m);
      assert.deepEqual(await snapshotStore(root), before);
    });

    it('refuses stdin that is not JSON, changing nothing', async () => {
      const root = await freshStore();
      const before = await snapshotStore(root);
      const r = await ctrimg(root, ['Install-ContainerImage'], { stdin: '[{"Name": "WebApp", ' });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /stdin is not JSON.*\[PIPED_INVALID\]/);
      assert.deepEqual(await snapshotStore(root), before);
    });
  });

  describe('Find-ContainerImage | Save-ContainerImage', () => {
    it('saves every version Find listed into one OCI archive, installing nothing', async () => {
      const root = await freshStore();
      const file = join(await tempDir('ctrimg-e2e-pipes-save-'), 'webapp.tar');
      const r = await pipe(root, ['Find-ContainerImage', '-Name', 'WebApp', '-AllVersions'], ['Save-ContainerImage', '-Path', file, '-OutputFormat', 'Json']);
      assert.equal(r.code, 0, r.stderr);
      const index = (await fromTar(file, 'index.json')) as { manifests: { digest: Digest; annotations: Record<string, string> }[] };
      const named = index.manifests.map((m) => [m.annotations['org.opencontainers.image.ref.name'], m.digest]).sort();
      assert.deepEqual(named, [
        ['1.2.0', fx.child.manifestDigest],
        ['1.3.0', newer.manifestDigest],
      ]);
      assert.equal((JSON.parse(r.stdout) as unknown[]).length, 2, 'one object per image saved');
      assert.deepEqual(await installed(root), []);
    });
  });

  describe('Get-ContainerImage | ...', () => {
    let root: string;
    before(async () => {
      root = await freshStore();
      await install(root, '-Name', 'WebApp', '-Version', '1.2.0');
      await install(root, '-Name', 'WebApp', '-Version', '1.3.0');
    });

    it('| Save-ContainerImage: every installed image into one docker archive', async () => {
      const file = join(await tempDir('ctrimg-e2e-pipes-save-'), 'all.tar');
      const r = await pipe(root, ['Get-ContainerImage'], ['Save-ContainerImage', '-Path', file, '-Format', 'docker']);
      assert.equal(r.code, 0, r.stderr);
      const manifest = (await fromTar(file, 'manifest.json')) as { RepoTags: string[] }[];
      assert.deepEqual(manifest.flatMap((m) => m.RepoTags).sort(), [
        `${registry.host}/samples/nanoserver:10.0.17763.1`,
        `${registry.host}/samples/webapp:1.2.0`,
        `${registry.host}/samples/webapp:1.3.0`,
      ]);
    });

    it('| New-Container: one container per image, named by -Name in their order', async () => {
      const piped = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'WebApp']);
      const r = await pipe(root, ['Get-ContainerImage', '-Name', 'WebApp'], ['New-Container', '-Name', 'first,second']);
      assert.equal(r.code, 0, r.stderr);
      const containers = await ctrimgJson<ContainerJson>(root, ['Get-Container']);
      assert.deepEqual(
        containers.map((c) => [c.Name, c.Image.Version]).sort(),
        [
          ['first', piped[0]!.Version],
          ['second', piped[1]!.Version],
        ],
      );
      assert.notEqual(piped[0]!.Version, piped[1]!.Version);
      const app = (c: ContainerJson) => run('cat', [join(c.Path, 'app/app.txt')]).then((x) => x.stdout.toString());
      for (const c of containers) assert.equal(await app(c), `hello from webapp ${c.Image.Version.split('.').slice(0, 3).join('.')}\n`);
    });

    it("| New-Container: names bind in the listing's order (by name), whatever the order Get-ContainerImage's -Name gave", async () => {
      const own = await freshStore();
      await install(own, '-Name', 'WebApp', '-Version', '1.2.0');
      // New-Container's example: one version of each installed, piped as -Name WebApp,NanoServer would list them.
      const r = await pipe(own, ['Get-ContainerImage', '-Name', 'WebApp,NanoServer'], ['New-Container', '-Name', 'nano1,web1']);
      assert.equal(r.code, 0, r.stderr);
      const made = await ctrimgJson<ContainerJson>(own, ['Get-Container']);
      assert.deepEqual(made.map((c) => [c.Name, c.Image.Name]).sort(), [
        ['nano1', 'NanoServer'],
        ['web1', 'WebApp'],
      ]);
    });

    it('| New-Container: as many names as images, or no container is made', async () => {
      const before = await snapshotStore(root);
      const r = await pipe(root, ['Get-ContainerImage', '-Name', 'WebApp'], ['New-Container', '-Name', 'third']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /2 images were piped and 1 container name given.*one -Name per piped image.*\[PIPED_INVALID\]/);
      assert.deepEqual(await snapshotStore(root), before);
    });

    it('| Remove-ContainerImage: the images piped, refusing those a container uses', async () => {
      const r = await pipe(root, ['Get-ContainerImage', '-Name', 'WebApp'], ['Remove-ContainerImage', '-Force']);
      assert.equal(r.code, 4, r.stderr);
      for (const c of ['first', 'second']) assert.equal((await ctrimg(root, ['Remove-Container', '-Name', c, '-Force'])).code, 0);
      const again = await pipe(root, ['Get-ContainerImage', '-Name', 'WebApp'], ['Remove-ContainerImage', '-Force']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /Removed image WebApp 1\.2\.0\.0/);
      assert.match(again.stderr, /Removed image WebApp 1\.3\.0\.0/);
      assert.deepEqual(await installed(root), ['NanoServer 10.0.17763.1 CN=Microsoft']);
    });

    it('| Remove-ContainerImage: a listing that found nothing removes nothing, and is no error', async () => {
      const before = await snapshotStore(root);
      const r = await pipe(root, ['Get-ContainerImage', '-Name', 'NoSuchImage'], ['Remove-ContainerImage', '-Force']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(await snapshotStore(root), before);
    });

    it('| Remove-ContainerImage refuses a found image piped in, changing nothing', async () => {
      const before = await snapshotStore(root);
      const r = await pipe(root, ['Find-ContainerImage', '-Name', 'NanoServer'], ['Remove-ContainerImage', '-Force']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /is a found image \(Find-ContainerImage\); Remove-ContainerImage takes installed images/);
      assert.deepEqual(await snapshotStore(root), before);
    });
  });

  describe('a listing piped after it went stale', () => {
    /** A fresh store with both WebApp versions installed. */
    const twoVersions = async () => {
      const root = await freshStore();
      await install(root, '-Name', 'WebApp', '-Version', '1.2.0');
      await install(root, '-Name', 'WebApp', '-Version', '1.3.0');
      return root;
    };
    const newContainer = async (root: string, name: string) =>
      assert.equal((await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', name])).code, 0);

    it('| Remove-ContainerImage: an image removed since is an error of its own; Continue removes the others and exits 3, Stop removes none', async () => {
      const root = await twoVersions();
      const listing = (await ctrimg(root, ['Get-ContainerImage', '-Name', 'WebApp', '-OutputFormat', 'Json'])).stdout;
      const [newest, older] = JSON.parse(listing) as ImageJson[];
      assert.deepEqual([newest!.Version, older!.Version], ['1.3.0.0', '1.2.0.0']);
      assert.equal((await ctrimg(root, ['Remove-ContainerImage', '-Name', 'WebApp', '-Version', '1.3.0', '-Force'])).code, 0);
      const before = await snapshotStore(root);
      // Stop ends at the missing object, wherever it is in the listing, before any image is removed.
      for (const stdin of [listing, JSON.stringify([older, newest])]) {
        const stop = await ctrimg(root, ['Remove-ContainerImage', '-Force', '-ErrorAction', 'Stop'], { stdin });
        assert.equal(stop.code, 3, stop.stderr);
        assert.match(stop.stderr, /^Remove-ContainerImage: no installed image matches \S+webapp@sha256:[0-9a-f]{64} \(Get-ContainerImage lists them\) \[IMAGE_NOT_FOUND\]$/m);
        assert.deepEqual(await snapshotStore(root), before);
      }
      const cont = await ctrimg(root, ['Remove-ContainerImage', '-Force'], { stdin: listing });
      assert.equal(cont.code, 3, cont.stderr);
      assert.equal(cont.stderr.match(/\[IMAGE_NOT_FOUND\]$/gm)?.length, 1, cont.stderr);
      assert.match(cont.stderr, /Removed image WebApp 1\.2\.0\.0/);
      assert.deepEqual(await installed(root), ['NanoServer 10.0.17763.1 CN=Microsoft']);
    });

    it('| Remove-ContainerImage -ErrorAction SilentlyContinue: removes the others, writes no error, exits 3', async () => {
      const root = await twoVersions();
      const listing = (await ctrimg(root, ['Get-ContainerImage', '-Name', 'WebApp', '-OutputFormat', 'Json'])).stdout;
      assert.equal((await ctrimg(root, ['Remove-ContainerImage', '-Name', 'WebApp', '-Version', '1.2.0', '-Force'])).code, 0);
      const r = await ctrimg(root, ['Remove-ContainerImage', '-Force', '-ErrorAction', 'SilentlyContinue'], { stdin: listing });
      assert.equal(r.code, 3, r.stderr);
      assert.doesNotMatch(r.stderr, /IMAGE_NOT_FOUND/);
      assert.deepEqual(await installed(root), ['NanoServer 10.0.17763.1 CN=Microsoft']);
    });

    it('| Remove-Container: an object whose container was removed never removes the one made since under its name; the others still go', async () => {
      const root = await twoVersions();
      for (const name of ['a1', 'b1']) await newContainer(root, name);
      const listing = (await ctrimg(root, ['Get-Container', '-OutputFormat', 'Json'])).stdout;
      const old = (JSON.parse(listing) as ContainerJson[]).find((c) => c.Name === 'a1')!;
      assert.equal((await ctrimg(root, ['Remove-Container', '-Name', 'a1', '-Force'])).code, 0);
      await newContainer(root, 'a1');
      const [remade] = await ctrimgJson<ContainerJson>(root, ['Get-Container', '-Name', 'a1']);
      assert.notEqual(remade!.Id, old.Id);
      const notFound = new RegExp(`^Remove-Container: no container with id ${old.Id} \\(a1\\): the container named 'a1' now is another one, made since it was listed \\(.+\\) \\[CONTAINER_NOT_FOUND\\]$`, 'm');
      // As jq '[.[]|select(.Name=="a1")]' would pipe it: the stale a1 alone.
      const alone = await ctrimg(root, ['Remove-Container', '-Force'], { stdin: JSON.stringify([old]) });
      assert.equal(alone.code, 3, alone.stderr);
      assert.match(alone.stderr, notFound);
      const before = await snapshotStore(root);
      const stop = await ctrimg(root, ['Remove-Container', '-Force', '-ErrorAction', 'Stop'], { stdin: listing });
      assert.equal(stop.code, 3, stop.stderr);
      assert.deepEqual(await snapshotStore(root), before, 'Stop removes no container');
      const cont = await ctrimg(root, ['Remove-Container', '-Force'], { stdin: listing });
      assert.equal(cont.code, 3, cont.stderr);
      assert.match(cont.stderr, notFound);
      assert.match(cont.stderr, /Removed container b1/);
      assert.deepEqual((await ctrimgJson<ContainerJson>(root, ['Get-Container'])).map((c) => c.Id), [remade!.Id]);
      await readdir(remade!.Path);
    });
  });

  describe('Get-Container | ...', () => {
    let root: string;
    before(async () => {
      root = await freshStore();
      await install(root, '-Name', 'WebApp', '-Version', '1.2.0');
      for (const name of ['c1', 'c2']) assert.equal((await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', name])).code, 0);
    });

    it('| New-ContainerImage: commits the container piped in', async () => {
      const [c1] = await ctrimgJson<ContainerJson>(root, ['Get-Container', '-Name', 'c1']);
      writeFileSync(join(c1!.Path, 'app/piped.txt'), 'committed through a pipe\n');
      const r = await pipe(root, ['Get-Container', '-Name', 'c1'], ['New-ContainerImage', '-Name', 'Committed', '-Publisher', 'Demo', '-Version', '1.0']);
      assert.equal(r.code, 0, r.stderr);
      const [made] = await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-Name', 'Committed']);
      assert.deepEqual([made!.Version, made!.Publisher, made!.ParentImage?.Name, made!.ParentImage?.Version], ['1.0.0.0', 'CN=Demo', 'WebApp', '1.2.0.0']);
      assert.equal((await ctrimg(root, ['New-Container', '-ContainerImageName', 'Committed', '-Name', 'c3'])).code, 0);
      const [c3] = await ctrimgJson<ContainerJson>(root, ['Get-Container', '-Name', 'c3']);
      assert.equal((await run('cat', [join(c3!.Path, 'app/piped.txt')])).stdout.toString(), 'committed through a pipe\n');
    });

    it('| New-ContainerImage refuses several containers, committing none', async () => {
      const before = await snapshotStore(root);
      const r = await pipe(root, ['Get-Container', '-Name', 'c1,c2'], ['New-ContainerImage', '-Name', 'Twice', '-Version', '1.0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /2 containers were piped; New-ContainerImage commits one.*\[PIPED_INVALID\]/);
      assert.deepEqual(await snapshotStore(root), before);
    });

    it('| Remove-Container: removes the containers piped in and their file systems', async () => {
      const [c2] = await ctrimgJson<ContainerJson>(root, ['Get-Container', '-Name', 'c2']);
      const r = await pipe(root, ['Get-Container', '-Name', 'c2'], ['Remove-Container', '-Force']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Removed container c2/);
      assert.deepEqual((await ctrimgJson<ContainerJson>(root, ['Get-Container'])).map((c) => c.Name).sort(), ['c1', 'c3']);
      await assert.rejects(readdir(c2!.Path), { code: 'ENOENT' });
    });

    it('| Remove-Container refuses an image piped in, changing nothing', async () => {
      const before = await snapshotStore(root);
      const r = await pipe(root, ['Get-ContainerImage', '-Name', 'WebApp'], ['Remove-Container', '-Force']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /is an installed image \(Get-ContainerImage\); Remove-Container takes containers/);
      assert.deepEqual(await snapshotStore(root), before);
    });
  });
});
