/**
 * Archives end to end, against the real registry and skopeo as the independent reader and
 * writer: Save-ContainerImage writes OCI and docker-save archives of an image it does not
 * install, which skopeo reads and pushes with every digest equal; archives skopeo writes
 * (docker-archive, oci-archive) install with Install-ContainerImage -Path into the same layers
 * a registry install gives; corrupt, truncated, compressed and path-escaping archives fail with
 * ARCHIVE_INVALID (exit 1) and leave the store exactly as it was.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ctrimg, ctrimgJson, type ImageJson } from '../support/ctrimg.js';
import { readTree } from '../support/fixtures.js';
import { run, skopeoInspectRaw } from '../support/oci-layout.js';
import { snapshotStore } from '../support/store-snapshot.js';
import { fixtureRegistry, installedStore, quietContext } from '../support/stores.js';
import { END, entry } from '../support/tar-blocks.js';

/** The layer chain ids an image's install recorded, and each layer directory's tree (dir importer). */
async function layersOf(root: string, manifestDigest: string): Promise<{ chain: string[]; trees: unknown[] }> {
  const ctx = await quietContext(root);
  try {
    const image = ctx.store.images.all().find((i) => i.manifestDigest === manifestDigest);
    assert.ok(image, `${manifestDigest} is installed in ${root}`);
    const chain = ctx.store.layers.ofImage(image.id).map((l) => l.chainId);
    return { chain, trees: await Promise.all(chain.map((c) => readTree(ctx.layerPath(c as never)))) };
  } finally {
    await ctx.close();
  }
}

describe('end to end: image archives', function () {
  this.timeout(180_000);
  const env = fixtureRegistry();
  const dirs: string[] = [];
  const tempDir = async (prefix: string) => {
    const d = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  let registryRoot: string;

  before(async () => {
    registryRoot = await installedStore('ctrimg-e2e-archives-registry-', env.fx.child.reference);
    dirs.push(registryRoot);
  });
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('saves an OCI archive without installing: skopeo inspects it and pushes it with every digest equal', async () => {
    const { child, host } = env.fx;
    const root = await tempDir('ctrimg-e2e-archives-save-');
    const file = join(await tempDir('ctrimg-e2e-archives-out-'), 'webapp.tar');
    const r = await ctrimg(root, ['Save-ContainerImage', '-Reference', child.reference, '-Insecure', '-Path', file, '-OutputFormat', 'Json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ Path: file, Format: 'OciArchive', Name: child.tag, Digest: child.manifestDigest, Image: child.reference }]);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), [], 'nothing installed');

    const inspected = JSON.parse((await run('skopeo', ['inspect', `oci-archive:${file}:${child.tag}`])).stdout.toString()) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, child.manifestDigest);
    assert.deepEqual(inspected.Layers, child.layerDigests);
    await run('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci-archive:${file}:${child.tag}`, `docker://${host}/copied/webapp:again`]);
    assert.deepEqual(await skopeoInspectRaw(`${host}/copied/webapp:again`), child.manifestBytes);

    const again = await ctrimg(root, ['Save-ContainerImage', '-Reference', child.reference, '-Insecure', '-Path', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Save-ContainerImage: .* exists already.*-Force.*\[ARCHIVE_EXISTS\]/);
    assert.equal((await ctrimg(root, ['Save-ContainerImage', '-Reference', child.reference, '-Insecure', '-Path', file, '-Force'])).code, 0);
  });

  it('saves a docker-save archive of an installed image that skopeo reads, and that installs again into the same layers', async () => {
    const { child } = env.fx;
    const file = join(await tempDir('ctrimg-e2e-archives-docker-'), 'webapp-docker.tar');
    const images = await ctrimgJson<ImageJson>(registryRoot, ['Get-ContainerImage', '-Name', 'WebApp']);
    const r = await ctrimg(registryRoot, ['Save-ContainerImage', '-Path', file, '-Format', 'docker'], { stdin: JSON.stringify(images) });
    assert.equal(r.code, 0, r.stderr);

    const inspected = JSON.parse((await run('skopeo', ['inspect', `docker-archive:${file}`])).stdout.toString()) as { Layers: string[]; RepoTags: string[] };
    assert.deepEqual(inspected.Layers, child.diffIds, 'skopeo names the layers by their diff ids, as the tars are uncompressed');
    assert.deepEqual((await run('skopeo', ['inspect', '--config', '--raw', `docker-archive:${file}`])).stdout, child.configBytes);
    const manifest = JSON.parse((await run('tar', ['-xOf', file, 'manifest.json'])).stdout.toString()) as { RepoTags: string[] }[];
    assert.deepEqual(manifest[0]!.RepoTags, [`${env.fx.host}/${child.repo}:${child.tag}`]);

    const root = await tempDir('ctrimg-e2e-archives-docker-store-');
    const installed = await ctrimg(root, ['Install-ContainerImage', '-Path', file, '-OutputFormat', 'Json']);
    assert.equal(installed.code, 0, installed.stderr);
    const [image] = JSON.parse(installed.stdout) as ImageJson[];
    assert.equal(image!.Repository, `${env.fx.host}/${child.repo}`);
    assert.equal(image!.Tag, child.tag);
    const fromArchive = await layersOf(root, image!.Digest);
    const fromRegistry = await layersOf(registryRoot, child.manifestDigest);
    assert.deepEqual(fromArchive, fromRegistry, 'the same chain ids and the same layer trees');
  });

  it('installs a docker-archive skopeo wrote as the registry install gives it, and once only', async () => {
    const { child } = env.fx;
    const file = join(await tempDir('ctrimg-e2e-archives-skopeo-docker-'), 'webapp.tar');
    await run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${child.reference}`, `docker-archive:${file}:${child.reference}`]);
    const root = await tempDir('ctrimg-e2e-archives-skopeo-docker-store-');
    const r = await ctrimg(root, ['Install-ContainerImage', '-Path', file, '-OutputFormat', 'Json']);
    assert.equal(r.code, 0, r.stderr);
    const [image] = JSON.parse(r.stdout) as ImageJson[];
    assert.deepEqual(await layersOf(root, image!.Digest), await layersOf(registryRoot, child.manifestDigest));
    const again = await ctrimg(root, ['Install-ContainerImage', '-Path', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /is already installed/);
  });

  it('installs an oci-archive skopeo wrote with the manifest the registry serves', async () => {
    const { base, host } = env.fx;
    const file = join(await tempDir('ctrimg-e2e-archives-skopeo-oci-'), 'nanoserver.tar');
    await run('skopeo', ['copy', '--quiet', '--preserve-digests', '--src-tls-verify=false', `docker://${base.reference}`, `oci-archive:${file}:${base.tag}`]);
    const root = await tempDir('ctrimg-e2e-archives-skopeo-oci-store-');
    const r = await ctrimg(root, ['Install-ContainerImage', '-Path', file, '-Image', base.tag, '-Repository', `${host}/${base.repo}`, '-OutputFormat', 'Json']);
    assert.equal(r.code, 0, r.stderr);
    const [image] = JSON.parse(r.stdout) as ImageJson[];
    assert.equal(image!.Digest, base.manifestDigest);
    assert.equal(image!.Repository, `${host}/${base.repo}`);
    assert.deepEqual(await layersOf(root, base.manifestDigest), await layersOf(registryRoot, base.manifestDigest));
  });

  it('refuses corrupt, truncated, compressed and path-escaping archives with one line and exit 1, the store unchanged', async () => {
    const { child } = env.fx;
    const work = await tempDir('ctrimg-e2e-archives-bad-');
    const good = join(work, 'good.tar');
    await run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${child.reference}`, `docker-archive:${good}:${child.reference}`]);
    const bytes = await readFile(good);
    const corrupt = Buffer.from(bytes);
    corrupt[148] = corrupt[148] === 0x31 ? 0x32 : 0x31; // the first header's checksum
    const escaping = Buffer.concat([entry({ name: 'manifest.json' }, '[]'), entry({ name: '../../evil' }, 'x'), END]);
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated/],
      // Go's tar writer ends an archive with exactly two zero blocks: without them, every entry is whole.
      ['no-end', bytes.subarray(0, bytes.length - 1024), /has no end .*truncated/],
      ['corrupt', corrupt, /checksum/],
      ['compressed', gzipSync(bytes), /gzip-compressed.*gunzip/],
      ['escaping', escaping, /climbs out/],
    ];
    const before = await snapshotStore(registryRoot);
    for (const [name, content, why] of cases) {
      const file = join(work, `${name}.tar`);
      await writeFile(file, content);
      const r = await ctrimg(registryRoot, ['Install-ContainerImage', '-Path', file]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^Install-ContainerImage: .*${why.source}.*\\[ARCHIVE_INVALID\\]\\n$`), name);
      assert.deepEqual(await snapshotStore(registryRoot), before, `${name}: the store is unchanged`);
    }
    const missing = await ctrimg(registryRoot, ['Install-ContainerImage', '-Path', join(work, 'none.tar')]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /\[ARCHIVE_UNKNOWN\]/);
  });
});
