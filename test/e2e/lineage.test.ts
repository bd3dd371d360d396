/**
 * Image lineage end to end, through the executable against a real registry: a family of four
 * (NanoServer <- WebApp <- Api, and NanoServer <- Worker) published with skopeo and installed
 * base first; -ChildOf, -ChildOf -Recurse, -AncestorOf, -Graph as a tree and as dot source,
 * and a removal of all four at once in which the two that nothing uses go, children first,
 * and the two a container keeps are refused (exit 4, one error line each), with -WhatIf saying so beforehand.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ctrimg, ctrimgJson, type ImageJson } from '../support/ctrimg.js';
import { publishFixtures, type Fixtures } from '../support/fixtures.js';
import { publishImage, tarFromEntries, type LayerSpec, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore, storedContent } from '../support/store-snapshot.js';


describe('end to end: image lineage and removing a family', function () {
  this.timeout(180_000);
  let registry: RunningRegistry;
  let fx: Fixtures;
  let api: PublishedImage;
  let worker: PublishedImage;
  let root: string;

  /** An image on `parent`'s layers plus one of its own, naming `parent` as its base. */
  async function publishOn(parent: PublishedImage, repo: string, tag: string, title: string): Promise<PublishedImage> {
    const layers: LayerSpec[] = parent.layerDigests.map((d) => ({ tar: gunzipSync(parent.blobs.get(d)!) }));
    layers.push({ tar: await tarFromEntries([{ name: `${repo.split('/')[1]}.txt`, content: title }]) });
    return publishImage(registry.host, {
      repo, tag, layers,
      annotations: {
        'org.opencontainers.image.title': title,
        'org.opencontainers.image.base.name': parent.reference,
        'org.opencontainers.image.base.digest': parent.manifestDigest,
      },
    });
  }

  before(async () => {
    registry = await startRegistry();
    fx = await publishFixtures(registry.host);
    api = await publishOn(fx.child, 'samples/api', '2.0.0', 'Api');
    worker = await publishOn(fx.base, 'samples/worker', '1.0', 'Worker');
    root = await mkdtemp(join(tmpdir(), 'ctrimg-lineage-'));
    for (const image of [api, worker]) {
      const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', image.reference, '-Insecure', '-Quiet']);
      assert.equal(r.code, 0, r.stderr);
    }
    const c = await ctrimg(root, ['New-Container', '-ContainerImageName', 'Worker', '-Name', 'w1']);
    assert.equal(c.code, 0, c.stderr);
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const names = (images: ImageJson[]) => images.map((i) => `${i.Name} <- ${i.ParentImage?.Name ?? '-'}`);

  it('lists children, all descendants by generation, and ancestors nearest first', async () => {
    assert.deepEqual(names(await ctrimgJson<ImageJson>(root, ['Get-ContainerImage'])), ['Api <- WebApp', 'NanoServer <- -', 'WebApp <- NanoServer', 'Worker <- NanoServer']);
    assert.deepEqual(names(await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-ChildOf', 'NanoServer'])), ['WebApp <- NanoServer', 'Worker <- NanoServer']);
    assert.deepEqual(names(await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-ChildOf', 'nano*', '-Recurse'])), ['WebApp <- NanoServer', 'Worker <- NanoServer', 'Api <- WebApp']);
    assert.deepEqual(names(await ctrimgJson<ImageJson>(root, ['Get-ContainerImage', '-ChildOf', 'Api', '-Recurse'])), []);
    const table = await ctrimg(root, ['Get-ContainerImage', '-AncestorOf', 'Api', '-Property', 'Name,ParentImage']);
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.trim().split('\n').slice(2).map((l) => l.trimEnd());
    assert.deepEqual(rows, ["WebApp     ContainerImage (Name = 'NanoServer') [Publisher = 'CN=Microsoft', Version = '10.0.17763.1']", 'NanoServer']);
  });

  it('says which image is unknown (exit 3) and refuses -Graph with a filter or Dot without -Graph (exit 2)', async () => {
    const unknown = await ctrimg(root, ['Get-ContainerImage', '-AncestorOf', 'NoSuchImage']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /no installed image matches 'NoSuchImage', the image whose ancestors were asked for .*\[IMAGE_NOT_FOUND\]/);
    assert.equal((await ctrimg(root, ['Get-ContainerImage', '-Graph', '-Name', 'Api'])).code, 2);
    assert.equal((await ctrimg(root, ['Get-ContainerImage', '-OutputFormat', 'Dot'])).code, 2);
  });

  it('draws the forest with its containers as a tree, and as dot source', async () => {
    const tree = await ctrimg(root, ['Get-ContainerImage', '-Graph']);
    assert.equal(tree.code, 0, tree.stderr);
    assert.equal(
      tree.stdout,
      ['NanoServer 10.0.17763.1 (CN=Microsoft)', '├── WebApp 1.2.0.0', '│   └── Api 2.0.0.0', '└── Worker 1.0.0.0', '    └── container w1 (Off)', ''].join('\n'),
    );
    const dot = await ctrimg(root, ['Get-ContainerImage', '-Graph', '-OutputFormat', 'Dot']);
    assert.equal(dot.code, 0, dot.stderr);
    const lines = dot.stdout.trim().split('\n');
    assert.equal(lines[0], 'digraph images {');
    assert.equal(lines.at(-1), '}');
    const edges = lines.filter((l) => l.includes(' -> '));
    assert.equal(edges.length, 4, 'three child images and one container');
    assert.ok(edges.every((l) => /^ {2}"[^"]+" -> "[^"]+";$/.test(l)), edges.join('\n'));
    assert.ok(lines.some((l) => /\[shape=ellipse, label="w1\\nOff"\];$/.test(l)));
  });

  it('-WhatIf says what a removal of all four would remove and refuse, and changes nothing', async () => {
    const before = await snapshotStore(root);
    const r = await ctrimg(root, ['Remove-ContainerImage', '-Name', '*', '-WhatIf']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(
      r.stderr,
      [
        'What if: Performing the operation "Remove" on target "Api 2.0.0.0".',
        'What if: Performing the operation "Remove" on target "WebApp 1.2.0.0".',
        "Remove-ContainerImage: cannot remove 'Worker 1.0.0.0': it is used by container 'w1' (Off) (Remove the dependent containers and child images first) [IMAGE_IN_USE]",
        "Remove-ContainerImage: cannot remove 'NanoServer 10.0.17763.1': it is used by image 'Worker 1.0.0.0' (Remove the dependent containers and child images first) [IMAGE_IN_USE]",
        '',
      ].join('\n'),
    );
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('removes the two free images children first, refuses the two the container keeps (exit 4), then all once it is gone', async () => {
    const r = await ctrimg(root, ['Remove-ContainerImage', '-Name', '*', '-Force']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^Removed image Api 2\.0\.0\.0\nRemoved image WebApp 1\.2\.0\.0\nDeleted 2 unused layers and \d+ unused blobs\n/);
    // One error line per image refused, each after the removals, as PowerShell writes one error record per object.
    assert.match(r.stderr, /\nRemove-ContainerImage: cannot remove 'Worker 1\.0\.0\.0': it is used by container 'w1' \(Off\) .*\[IMAGE_IN_USE\]\nRemove-ContainerImage: cannot remove 'NanoServer 10\.0\.17763\.1': it is used by image 'Worker 1\.0\.0\.0' .*\[IMAGE_IN_USE\]\n$/);
    assert.deepEqual(names(await ctrimgJson<ImageJson>(root, ['Get-ContainerImage'])), ['NanoServer <- -', 'Worker <- NanoServer']);
    assert.equal((await snapshotStore(root)).rows.layers!.length, fx.base.layerDigests.length + 1, "the base's layers and the worker's own");

    assert.equal((await ctrimg(root, ['Remove-Container', '-Name', 'w1', '-Force'])).code, 0);
    const all = await ctrimgJson(root, ['Remove-ContainerImage', '-Name', '*', '-Force']);
    assert.deepEqual(all.map((o) => [o.Name, o.Outcome]), [['Worker', 'Removed'], ['NanoServer', 'Removed']]);
    const after = await snapshotStore(root);
    assert.deepEqual(storedContent(after), []);
    assert.deepEqual([after.rows.images, after.rows.layers, after.rows.containers], [[], [], []]);
  });
});
