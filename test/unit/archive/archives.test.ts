/**
 * The archive writers and readers on each other and on GNU tar: an OCI archive written from a
 * layout reads back with every digest equal; a docker-save archive holds each layer
 * uncompressed under its v1 id and reads back as a schema-2 manifest whose layers are named by
 * their diff ids; a layer repeated in an image is a symlink, as docker writes it; a save that
 * fails leaves nothing at the target; hostile archives are refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DockerArchive } from '../../../src/archive/docker-archive.js';
import { DockerArchiveWriter } from '../../../src/archive/docker-archive-writer.js';
import { OciArchiveWriter } from '../../../src/archive/oci-archive-writer.js';
import { OciLayout } from '../../../src/archive/oci-layout.js';
import { openImagePath } from '../../../src/archive/open-path.js';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import { parsePlatform } from '../../../src/image/platform.js';
import type { ImageSink, ImageSource } from '../../../src/image/source.js';
import { copyImage } from '../../../src/ops/save.js';
import { buildImage, gzip, MEDIA_TYPES, sha256, tarFromEntries, writeLayout, type BuiltImage } from '../../support/oci-layout.js';
import { END, entry } from '../../support/tar-blocks.js';

const LINUX = { host: parsePlatform('linux/amd64') };
const isCode = (code: string) => (e: unknown) => e instanceof CtrimgError && e.code === code;

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('archive writers and readers', () => {
  let dir: string;
  let img: BuiltImage;
  let layers: Buffer[];
  let layout: OciLayout;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-archives-'));
    layers = [
      await tarFromEntries([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=test\n' }]),
      await tarFromEntries([{ name: 'app/app.txt', content: 'hello <&> world\n'.repeat(100) }]),
    ];
    // The same layer twice, as an image that adds and removes nothing can hold it.
    img = buildImage({
      repo: 'samples/app',
      tag: '1.0',
      layers: [{ tar: layers[0]! }, { tar: layers[1]!, compression: 'none' }, { tar: layers[0]! }],
      runtimeConfig: { Cmd: ['/bin/sh', '-c', 'a && b'], Env: ['PATH=/bin'] },
    });
    const src = join(dir, 'src');
    await writeLayout(src, img.blobs, { mediaType: MEDIA_TYPES.manifest, digest: img.manifestDigest, size: img.manifestBytes.length }, '1.0');
    layout = new OciLayout(src, { repository: '127.0.0.1:5000/samples/app' });
    await layout.ready();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function save(sink: ImageSink, name: string): Promise<void> {
    try {
      await copyImage(layout, await layout.resolve({ tag: '1.0' }, LINUX), sink, name);
    } catch (err) {
      await sink.discard();
      throw err;
    }
    await sink.close();
  }

  async function opened(path: string): Promise<ImageSource> {
    const source = await openImagePath(path);
    await source.ready();
    return source;
  }

  it('writes an OCI archive that reads back with every digest and byte equal, and that GNU tar lists', async () => {
    const file = join(dir, 'app.tar');
    await save(await OciArchiveWriter.create(file), '1.0');
    const source = await opened(file);
    assert.ok(source instanceof OciLayout);
    assert.equal(source.repository, 'app');
    const r = await source.resolve({}, LINUX);
    assert.equal(r.digest, img.manifestDigest);
    assert.equal(r.tag, '1.0');
    assert.deepEqual(await source.config(r), img.configBytes);
    for (const l of r.manifest.layers) assert.deepEqual(await readAll(await source.blob(l)(0)), img.blobs.get(l.digest as never));
    const listed = execFileSync('tar', ['-tf', file]).toString().trim().split('\n').sort();
    assert.deepEqual(listed, ['blobs/', 'blobs/sha256/', 'index.json', 'oci-layout', ...[...img.blobs.keys()].map((d) => `blobs/sha256/${d.slice(7)}`)].sort());
    assert.deepEqual(await readdir(dir), ['app.tar', 'src'], 'no temp file left');
  });

  it("writes a docker-save archive with each layer uncompressed under its v1 id, read back named by diff ids, a repeated layer a symlink", async () => {
    const file = join(dir, 'app-docker.tar');
    await save(await DockerArchiveWriter.create(file), '127.0.0.1:5000/samples/app:1.0');
    const x = join(dir, 'x');
    execFileSync('mkdir', [x]);
    execFileSync('tar', ['-xf', file, '-C', x]);
    const manifest = JSON.parse(await readFile(join(x, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    assert.equal(manifest.length, 1);
    assert.equal(manifest[0]!.Config, `${img.configDigest.slice(7)}.json`);
    assert.deepEqual(manifest[0]!.RepoTags, ['127.0.0.1:5000/samples/app:1.0']);
    assert.deepEqual(await readFile(join(x, manifest[0]!.Config)), img.configBytes);
    const ids = manifest[0]!.Layers.map((l) => l.split('/')[0]!);
    assert.equal(new Set(ids).size, 3, 'one v1 id per place in the image');
    for (const [i, l] of manifest[0]!.Layers.entries()) {
      assert.match(l, /^[a-f0-9]{64}\/layer\.tar$/);
      assert.deepEqual(await readFile(join(x, l)), layers[i === 1 ? 1 : 0], l);
      assert.equal(await readFile(join(x, ids[i]!, 'VERSION'), 'utf8'), '1.0');
      const json = JSON.parse(await readFile(join(x, ids[i]!, 'json'), 'utf8')) as Record<string, unknown>;
      assert.equal(json.id, ids[i]);
      assert.equal(json.parent, i === 0 ? undefined : ids[i - 1]);
    }
    assert.equal(execFileSync('tar', ['-tvf', file]).toString().match(/^l.*layer\.tar -> \.\.\/[a-f0-9]{64}\/layer\.tar$/gm)?.length, 1, 'the repeated layer is a symlink');
    // Go's encoding escapes what JSON.stringify does not.
    assert.match(await readFile(join(x, ids[2]!, 'json'), 'utf8'), /a \\u0026\\u0026 b/);
    assert.deepEqual(JSON.parse(await readFile(join(x, 'repositories'), 'utf8')), { '127.0.0.1:5000/samples/app': { '1.0': ids[2] } });

    const source = await opened(file);
    assert.ok(source instanceof DockerArchive);
    const r = await source.resolve({}, LINUX);
    assert.equal(r.repository, '127.0.0.1:5000/samples/app');
    assert.equal(r.tag, '1.0');
    assert.deepEqual(r.manifest.layers.map((l) => [l.mediaType, l.digest]), img.diffIds.map((d) => ['application/vnd.docker.image.rootfs.diff.tar', d]));
    assert.deepEqual(await source.config(r), img.configBytes);
    assert.deepEqual(await readAll(await source.blob(r.manifest.layers[1]!)(0)), layers[1]);
    const again = await opened(file);
    assert.equal((await again.resolve({ tag: '127.0.0.1:5000/samples/app:1.0' }, LINUX)).digest, r.digest, 'the manifest made is the same every time');
  });

  it('reads a docker-save archive as docker writes it by hand: a gzip layer hashed, a config checked against its name, images chosen by tag or position', async () => {
    const config = (tars: Buffer[]) => Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: tars.map(sha256) } }));
    const c1 = config([layers[0]!]);
    const c2 = config([layers[1]!]);
    const gz = gzip(layers[1]!);
    const manifestJson = JSON.stringify([
      { Config: `${sha256(c1).slice(7)}.json`, RepoTags: ['busybox:latest'], Layers: ['l1/layer.tar'] },
      { Config: `${sha256(c2).slice(7)}.json`, RepoTags: null, Layers: ['l2.tar'] },
    ]);
    const file = join(dir, 'hand.tar');
    await writeFile(
      file,
      Buffer.concat([
        entry({ name: `${sha256(c1).slice(7)}.json` }, c1),
        entry({ name: `${sha256(c2).slice(7)}.json` }, c2),
        entry({ name: 'l1/layer.tar' }, layers[0]!),
        entry({ name: 'l2.tar' }, gz),
        entry({ name: 'manifest.json' }, manifestJson),
        END,
      ]),
    );
    const source = await opened(file);
    await assert.rejects(source.resolve({}, LINUX), (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && /holds 2 images \(busybox:latest; untagged image 1\)/.test(e.message));
    const first = await source.resolve({ tag: 'docker.io/library/busybox' }, LINUX);
    assert.equal(first.repository, 'docker.io/library/busybox');
    assert.equal(first.tag, 'latest');
    const second = await source.resolve({ position: 1 }, LINUX);
    assert.deepEqual(second.manifest.layers.map((l) => [l.mediaType, l.digest, l.size]), [['application/vnd.docker.image.rootfs.diff.tar.gzip', sha256(gz), gz.length]]);
    assert.equal(second.repository, '', 'an untagged image is loaded under no repository, as docker loads it');
    assert.deepEqual(await readAll(await source.blob(second.manifest.layers[0]!)(0)), gz);
    assert.equal((await source.resolve({ digest: sha256(c2) as Digest }, LINUX)).digest, second.digest, 'by image id');
    await assert.rejects(source.resolve({ tag: 'busybox:1' }, LINUX), isCode('ARCHIVE_UNKNOWN'));

    // A config whose bytes are not the digest its name gives.
    const bad = join(dir, 'bad.tar');
    await writeFile(bad, Buffer.concat([entry({ name: `${sha256(c1).slice(7)}.json` }, c2), entry({ name: 'l2.tar' }, layers[1]!), entry({ name: 'manifest.json' }, JSON.stringify([{ Config: `${sha256(c1).slice(7)}.json`, RepoTags: null, Layers: ['l2.tar'] }])), END]));
    await assert.rejects((await opened(bad)).resolve({}, LINUX), isCode('DIGEST_MISMATCH'));
    // A layer whose bytes are not its diff id fails when read.
    const wrong = join(dir, 'wrong.tar');
    await writeFile(wrong, Buffer.concat([entry({ name: 'c.json' }, c1), entry({ name: 'l.tar' }, layers[1]!), entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l.tar'] }])), END]));
    const w = await opened(wrong);
    await assert.rejects(readAll(await w.blob((await w.resolve({}, LINUX)).manifest.layers[0]!)(0)), isCode('DIGEST_MISMATCH'));
  });

  it('refuses a config that is a link, a layer named outside the archive, a RepoTag that is not NAME:TAG, and an OCI archive whose blob is a symlink', async () => {
    const c1 = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(layers[0]!)] } }));
    const linked = join(dir, 'linked.tar');
    await writeFile(linked, Buffer.concat([entry({ name: 'real.json' }, c1), entry({ name: 'c.json', typeflag: '2', linkname: 'real.json' }), entry({ name: 'l.tar' }, layers[0]!), entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l.tar'] }])), END]));
    await assert.rejects((await opened(linked)).resolve({}, LINUX), (e: unknown) => isCode('ARCHIVE_INVALID')(e) && /c\.json is a link/.test((e as Error).message));
    const escaping = join(dir, 'escaping.tar');
    await writeFile(escaping, Buffer.concat([entry({ name: 'c.json' }, c1), entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['../../etc/passwd'] }])), END]));
    await assert.rejects((await opened(escaping)).resolve({}, LINUX), (e: unknown) => isCode('ARCHIVE_INVALID')(e) && /does not hold/.test((e as Error).message));
    // docker load takes a RepoTag only as NAME:TAG: a bare name or a digest is refused, not made `latest`.
    for (const repoTag of ['busybox', `busybox@${sha256(c1)}`, 'Not A Name:1']) {
      const badTag = join(dir, 'bad-tag.tar');
      await writeFile(badTag, Buffer.concat([entry({ name: 'c.json' }, c1), entry({ name: 'l.tar' }, layers[0]!), entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'c.json', RepoTags: [repoTag], Layers: ['l.tar'] }])), END]));
      await assert.rejects(opened(badTag), (e: unknown) => isCode('ARCHIVE_INVALID')(e) && /is not NAME:TAG/.test((e as Error).message), repoTag);
    }

    const file = join(dir, 'oci.tar');
    await save(await OciArchiveWriter.create(file), '1.0');
    const x = join(dir, 'ox');
    execFileSync('mkdir', [x]);
    execFileSync('tar', ['-xf', file, '-C', x]);
    const configBlob = `blobs/sha256/${img.configDigest.slice(7)}`;
    await rm(join(x, configBlob));
    execFileSync('ln', ['-s', '/etc/passwd', join(x, configBlob)]);
    const hostile = join(dir, 'hostile.tar');
    execFileSync('tar', ['-cf', hostile, '-C', x, 'oci-layout', 'index.json', 'blobs']);
    const source = await opened(hostile);
    await assert.rejects(source.config(await source.resolve({}, LINUX)), isCode('LAYOUT_INVALID'));
  });

  it("leaves nothing at the target when a save fails (a layer's diff id is not its config's), and refuses to replace a file unless asked", async () => {
    const bad = buildImage({ repo: 'r', tag: 't', layers: [{ tar: layers[0]! }], configOverrides: { rootfs: { type: 'layers', diff_ids: [sha256(layers[1]!)] } } });
    const src = join(dir, 'bad-src');
    await writeLayout(src, bad.blobs, { mediaType: MEDIA_TYPES.manifest, digest: bad.manifestDigest, size: bad.manifestBytes.length }, 't');
    layout = new OciLayout(src);
    await layout.ready();
    const file = join(dir, 'bad.tar');
    const sink = await DockerArchiveWriter.create(file);
    await copyImage(layout, await layout.resolve({}, LINUX), sink, 'r:t');
    await assert.rejects(sink.close(), isCode('DIFF_ID_MISMATCH'));
    assert.deepEqual((await readdir(dir)).sort(), ['bad-src', 'src'], 'neither the archive nor its temp file');

    await writeFile(file, 'precious');
    await assert.rejects(OciArchiveWriter.create(file), isCode('ARCHIVE_EXISTS'));
    const w = await OciArchiveWriter.create(file, { overwrite: true });
    await w.discard();
    assert.equal(await readFile(file, 'utf8'), 'precious', 'a discarded save replaces nothing');
  });

  it('writes a blob hashed on the way (writeStream) under its digest, once', async () => {
    const file = join(dir, 'stream.tar');
    const w = await OciArchiveWriter.create(file);
    const d1 = await w.writeStream(Readable.from([layers[0]!]), { mediaType: MEDIA_TYPES.layerTar });
    const d2 = await w.writeStream(Readable.from([layers[0]!]), { mediaType: MEDIA_TYPES.layerTar });
    assert.deepEqual(d1, { mediaType: MEDIA_TYPES.layerTar, digest: sha256(layers[0]!), size: layers[0]!.length });
    assert.deepEqual(d2, d1);
    await w.close();
    const listed = execFileSync('tar', ['-tf', file]).toString().trim().split('\n');
    assert.deepEqual(listed.filter((n) => n === `blobs/sha256/${d1.digest.slice(7)}`).length, 1);
    assert.deepEqual(execFileSync('tar', ['-xOf', file, `blobs/sha256/${d1.digest.slice(7)}`]), layers[0]);
  });
});
