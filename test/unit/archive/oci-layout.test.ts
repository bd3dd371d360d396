/**
 * The OCI layout reader on layouts written here, hostile ones included: versions it does not
 * know, symlinks out of the layout, digests that would make paths, oversized JSON, corrupt
 * blobs, and index.json shapes other tools write (one entry per platform under one name).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OciLayout } from '../../../src/archive/oci-layout.js';
import { ContentStore } from '../../../src/content/store.js';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import { parsePlatform } from '../../../src/image/platform.js';
import { buildImage, hexOf, MEDIA_TYPES, writeLayout, type BuiltImage } from '../../support/oci-layout.js';

/** As a linux/amd64 host would choose. */
const LINUX = { host: parsePlatform('linux/amd64') };

const isCode = (code: string, kind?: string) => (e: unknown) => e instanceof CtrimgError && e.code === code && (kind === undefined || e.kind === kind);

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function image(os = 'linux', text = 'hello'): BuiltImage {
  return buildImage({ repo: 'r', tag: 't', os, layers: [{ tar: Buffer.from(text.repeat(1000)) }], annotations: { 'org.opencontainers.image.title': `img-${os}` } });
}

describe('archive/oci-layout', () => {
  let dir: string;
  let img: BuiltImage;
  const blob = (d: Digest) => join(dir, 'blobs', 'sha256', hexOf(d));
  const layout = async () => {
    const l = new OciLayout(dir);
    await l.ready();
    return l;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-layout-unit-'));
    img = image();
    await writeLayout(dir, img.blobs, { mediaType: MEDIA_TYPES.manifest, digest: img.manifestDigest, size: img.manifestBytes.length }, '1.0');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('resolves its image by ref name, by digest and as its only entry, recorded under the directory name', async () => {
    const l = await layout();
    assert.equal(l.repository, dir.split('/').at(-1));
    for (const name of [{ tag: '1.0' }, { digest: img.manifestDigest }, {}]) {
      const r = await l.resolve(name, LINUX);
      assert.equal(r.digest, img.manifestDigest, JSON.stringify(name));
      assert.equal(r.annotations['org.opencontainers.image.title'], 'img-linux');
    }
    assert.equal(new OciLayout(dir, { repository: '127.0.0.1:5000/samples/x' }).repository, '127.0.0.1:5000/samples/x');
  });

  it('refuses a layout whose version it does not know, or that has none', async () => {
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '2.0.0' }));
    await assert.rejects(layout(), isCode('LAYOUT_INVALID'));
    await unlink(join(dir, 'oci-layout'));
    await assert.rejects(layout(), isCode('LAYOUT_INVALID'));
    await assert.rejects(new OciLayout(join(dir, 'nowhere')).ready(), isCode('LAYOUT_UNKNOWN', 'notFound'));
  });

  it('reads no blob through a symlink, nor a blob directory that is one', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'ctrimg-layout-outside-'));
    try {
      // The config, with its right bytes, but outside the layout.
      await writeFile(join(outside, 'config'), img.configBytes);
      await unlink(blob(img.configDigest));
      await symlink(join(outside, 'config'), blob(img.configDigest));
      const l = await layout();
      const r = await l.resolve({ tag: '1.0' }, LINUX);
      await assert.rejects(l.config(r), isCode('LAYOUT_INVALID'));
      const layer = r.manifest.layers[0]!;
      await writeFile(join(outside, 'layer'), img.blobs.get(layer.digest)!);
      await unlink(blob(layer.digest));
      await symlink(join(outside, 'layer'), blob(layer.digest));
      await assert.rejects(l.blob(layer)(0), isCode('LAYOUT_INVALID'));

      await rm(join(dir, 'blobs', 'sha256'), { recursive: true });
      await symlink(outside, join(dir, 'blobs', 'sha256'));
      await assert.rejects(layout(), isCode('LAYOUT_INVALID'));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses a FIFO where a file should be, at once (opening one would wait for a writer forever)', async function () {
    if (process.platform === 'win32') this.skip();
    this.timeout(5000);
    const l = await layout();
    const r = await l.resolve({ tag: '1.0' }, LINUX);
    const layer = r.manifest.layers[0]!;
    const fifos = [blob(img.configDigest), blob(layer.digest), join(dir, 'index.json'), join(dir, 'oci-layout')];
    for (const f of fifos) {
      await unlink(f);
      execFileSync('mkfifo', [f]);
    }
    // Within a second each, or the test fails (and its finally runs, which a mocha timeout would not).
    const soon = <T>(p: Promise<T>, what: string) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after 1 s`)), 1000).unref())]);
    try {
      await assert.rejects(soon(l.config(r), 'config'), isCode('LAYOUT_INVALID'), 'config');
      await assert.rejects(soon(l.blob(layer)(0), 'layer'), isCode('LAYOUT_INVALID'), 'layer');
      await assert.rejects(soon(l.resolve({ tag: '1.0' }, LINUX), 'index.json'), isCode('LAYOUT_INVALID'), 'index.json');
      await assert.rejects(soon(layout(), 'oci-layout'), isCode('LAYOUT_INVALID'), 'oci-layout');
    } finally {
      // A reader still blocked in open() (the bug this guards against) is let go, so the run can end.
      for (const f of fifos) {
        try {
          closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // ENXIO: nobody is waiting to read it.
        }
      }
    }
  });

  it('makes no path of a digest that is not one', async () => {
    const l = await layout();
    await assert.rejects(l.resolve({ digest: 'sha256:../../../etc/passwd' as Digest }, LINUX), isCode('LAYOUT_INVALID'));
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: Array<{ digest: string }> };
    index.manifests[0]!.digest = 'sha256:../../oci-layout';
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    await assert.rejects(l.resolve({ tag: '1.0' }, LINUX), isCode('MANIFEST_INVALID'));
  });

  it('caps index.json and the manifests it names', async () => {
    const l = await layout();
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: Array<{ size: number }> };
    index.manifests[0]!.size = 64 * 1024 * 1024;
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    await assert.rejects(l.resolve({ tag: '1.0' }, LINUX), isCode('BLOB_TOO_LARGE'));
    await writeFile(join(dir, 'index.json'), Buffer.alloc(5 * 1024 * 1024, ' '));
    await assert.rejects(l.resolve({ tag: '1.0' }, LINUX), isCode('BLOB_TOO_LARGE'));
  });

  it('verifies every blob at EOF, from whatever offset it is read, unless the caller does', async () => {
    const l = await layout();
    const r = await l.resolve({ tag: '1.0' }, LINUX);
    const layer = r.manifest.layers[0]!;
    const bytes = img.blobs.get(layer.digest)!;
    assert.deepEqual(await readAll(await l.blob(layer)(10)), bytes.subarray(10));
    const wrong = Buffer.from(bytes);
    wrong[2] = wrong[2]! ^ 0xff;
    await writeFile(blob(layer.digest), wrong);
    for (const offset of [0, 10]) await assert.rejects(readAll(await l.blob(layer)(offset)), isCode('DIGEST_MISMATCH'), `offset ${offset}`);
    // A sink hashing every byte itself is served the file as it is, read once.
    assert.deepEqual(await readAll(await l.blob(layer)(10, { callerVerifies: true })), wrong.subarray(10));
    await unlink(blob(layer.digest));
    await assert.rejects(l.blob(layer)(0), isCode('BLOB_UNKNOWN', 'notFound'));
  });

  it('leaves the content store no partial of a blob it found wrong, so the next download, the file mended, succeeds', async () => {
    const l = await layout();
    const layer = (await l.resolve({ tag: '1.0' }, LINUX)).manifest.layers[0]!;
    const bytes = img.blobs.get(layer.digest)!;
    const wrong = Buffer.from(bytes);
    wrong[bytes.length - 1] = wrong[bytes.length - 1]! ^ 0xff;
    await writeFile(blob(layer.digest), wrong);
    const store = await mkdtemp(join(tmpdir(), 'ctrimg-layout-unit-store-'));
    try {
      const content = new ContentStore(store);
      await content.init();
      await assert.rejects(content.writeBlob(layer, l.blob(layer)), isCode('DIGEST_MISMATCH'));
      assert.deepEqual((await content.status()).ingests, []);
      await writeFile(blob(layer.digest), bytes);
      await content.writeBlob(layer, l.blob(layer));
      assert.deepEqual(await content.read(layer.digest), bytes);
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  });

  it('fails a blob longer than its descriptor with SIZE_MISMATCH, as the content store does for a registry', async () => {
    const l = await layout();
    const layer = (await l.resolve({ tag: '1.0' }, LINUX)).manifest.layers[0]!;
    await writeFile(blob(layer.digest), Buffer.concat([img.blobs.get(layer.digest)!, Buffer.from('more')]));
    await assert.rejects(readAll(await l.blob(layer)(0)), isCode('SIZE_MISMATCH'));
    const store = await mkdtemp(join(tmpdir(), 'ctrimg-layout-unit-store-'));
    try {
      const content = new ContentStore(store);
      await content.init();
      await assert.rejects(content.feed(layer.digest, l.blob(layer), { size: layer.size }).done, isCode('SIZE_MISMATCH'));
      assert.equal(await content.has(layer.digest), false);
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  });

  it('answers not found for a name or digest it does not hold, and asks for a name among several images', async () => {
    const other = image('linux', 'other');
    for (const [d, b] of other.blobs) await writeFile(blob(d), b);
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: MEDIA_TYPES.manifest, digest: img.manifestDigest, size: img.manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': '1.0' } },
        { mediaType: MEDIA_TYPES.manifest, digest: other.manifestDigest, size: other.manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': '2.0' } },
      ],
    };
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    const l = await layout();
    assert.equal((await l.resolve({ tag: '2.0' }, LINUX)).digest, other.manifestDigest);
    await assert.rejects(l.resolve({ tag: '3.0' }, LINUX), isCode('MANIFEST_UNKNOWN', 'notFound'));
    await assert.rejects(l.resolve({ digest: `sha256:${'1'.repeat(64)}` }, LINUX), isCode('MANIFEST_UNKNOWN', 'notFound'));
    await assert.rejects(l.resolve({}, LINUX), (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && /1\.0, 2\.0/.test(e.message));
  });

  it('chooses by platform among index.json entries that share a name, as containerd exports them', async () => {
    const win = buildImage({ repo: 'r', tag: 't', os: 'windows', osVersion: '10.0.17763.1', layers: [{ tar: Buffer.from('w') }] });
    for (const [d, b] of win.blobs) await writeFile(blob(d), b);
    const entry = (i: BuiltImage) => ({
      mediaType: MEDIA_TYPES.manifest,
      digest: i.manifestDigest,
      size: i.manifestBytes.length,
      platform: { os: i.platform.os, architecture: i.platform.architecture, ...(i.platform.osVersion && { 'os.version': i.platform.osVersion }) },
      annotations: { 'org.opencontainers.image.ref.name': '1.0' },
    });
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry(img), entry(win)] }));
    const l = await layout();
    assert.equal((await l.resolve({ tag: '1.0' }, LINUX)).digest, img.manifestDigest);
    const chosen = await l.resolve({ tag: '1.0' }, { host: parsePlatform('windows/amd64:10.0.17763.1') });
    assert.equal(chosen.digest, win.manifestDigest);
    // What -WhatIf explains: which entry of index.json, and why.
    assert.deepEqual([chosen.chosen?.position, chosen.chosen?.of, chosen.chosen?.why], [2, 2, "the host's build 17763; the only match"]);
  });

  it('serves a base it holds by digest, under the base\'s own repository, and no other', async () => {
    const l = await layout();
    const base = await l.base({ registry: '127.0.0.1:5000', repository: 'samples/base', digest: img.manifestDigest });
    assert.equal(base?.repository, '127.0.0.1:5000/samples/base');
    assert.equal((await base!.resolve({ digest: img.manifestDigest }, LINUX)).digest, img.manifestDigest);
    assert.equal(await l.base({ registry: '127.0.0.1:5000', repository: 'samples/base', digest: `sha256:${'2'.repeat(64)}` }), undefined);
    assert.equal(await l.base({ registry: '127.0.0.1:5000', repository: 'samples/base', tag: '1.0' }), undefined);
  });
});
