/**
 * The ImageSink implementations: an OCI layout written by OciLayoutWriter from the registry
 * source must be what skopeo reads back (inspect, copy to a dir: with every digest equal),
 * and both sinks (the writer and the content store) commit nothing whose bytes are wrong.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DockerArchiveWriter } from '../../src/archive/docker-archive-writer.js';
import { OciArchiveWriter } from '../../src/archive/oci-archive-writer.js';
import { OciLayout } from '../../src/archive/oci-layout.js';
import { OciLayoutWriter } from '../../src/archive/oci-layout-writer.js';
import { ContentStore } from '../../src/content/store.js';
import { CtrimgError } from '../../src/errors.js';
import { sha256 } from '../../src/image/digest.js';
import type { Descriptor } from '../../src/image/manifest.js';
import { parsePlatform } from '../../src/image/platform.js';
import type { BlobFetch, ImageSink, ImageSource, ResolvedImage } from '../../src/image/source.js';
import { HostClient } from '../../src/registry/client.js';
import { RegistrySource } from '../../src/registry/source.js';
import { FIXTURE_NAMES } from '../support/fixtures.js';
import { run } from '../support/oci-layout.js';
import { fixtureRegistry } from '../support/stores.js';

/** As a linux/amd64 host would choose. */
const LINUX = { host: parsePlatform('linux/amd64') };
const isCode = (code: string) => (e: unknown) => e instanceof CtrimgError && e.code === code;

/** An image's blobs, config and manifest from a source into a sink, as Save will copy them. */
async function copyImage(source: ImageSource, image: ResolvedImage, sink: ImageSink, name: string): Promise<void> {
  for (const layer of image.manifest.layers) await sink.writeBlob(layer, source.blob(layer));
  await sink.writeConfig(image.manifest.config, await source.config(image));
  await sink.writeManifest({ mediaType: image.manifest.mediaType, digest: image.digest, size: image.bytes.length }, image.bytes, name);
}

/** A fetch serving `bytes` with one byte wrong the first `wrongTimes` times; `rejected` says whether another server is left. */
function serving(bytes: Buffer, wrongTimes: number, another: boolean): BlobFetch & { calls: number } {
  const fetch = (async (offset: number) => {
    const out = Buffer.from(bytes);
    if (fetch.calls++ < wrongTimes) out[0] = out[0]! ^ 0xff;
    return Readable.from([out.subarray(offset)]);
  }) as BlobFetch & { calls: number };
  fetch.calls = 0;
  fetch.rejected = () => another;
  return fetch;
}

describe('end to end: OCI layout writer', function () {
  this.timeout(120_000);
  const env = fixtureRegistry();
  let client: HostClient;
  let work: string;
  const source = (repo: 'base' | 'child') => new RegistrySource(client, { registry: env.registry.host, repository: FIXTURE_NAMES[repo].repo }, () => {});

  before(() => {
    client = new HostClient({ base: env.registry.url });
  });
  after(() => client?.close());
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctrimg-layout-writer-'));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('writes a layout skopeo inspects and copies with every digest intact, and OciLayout reads back', async () => {
    const { child } = env.fx;
    const dir = join(work, 'layout');
    const src = source('child');
    const image = await src.resolve({ tag: child.tag }, LINUX);
    const writer = await OciLayoutWriter.create(dir);
    await copyImage(src, image, writer, child.tag);
    await writer.close();

    const inspected = JSON.parse((await run('skopeo', ['inspect', `oci:${dir}:${child.tag}`])).stdout.toString()) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, child.manifestDigest);
    assert.deepEqual(inspected.Layers, child.layerDigests);

    const out = join(work, 'out');
    await run('skopeo', ['copy', '--quiet', '--preserve-digests', `oci:${dir}:${child.tag}`, `dir:${out}`]);
    const blobs = (await readdir(out)).filter((f) => /^[a-f0-9]{64}$/.test(f));
    assert.deepEqual(blobs.sort(), [...child.layerDigests, child.configDigest].map((d) => d.slice(7)).sort());
    for (const f of blobs) assert.equal(sha256(await readFile(join(out, f))), `sha256:${f}`);
    assert.equal(sha256(await readFile(join(out, 'manifest.json'))), child.manifestDigest);

    const back = new OciLayout(dir);
    await back.ready();
    const again = await back.resolve({ tag: child.tag }, LINUX);
    assert.deepEqual(again.bytes, child.manifestBytes);
    assert.deepEqual(await back.config(again), child.configBytes);
  });

  it('lists each name once in index.json: a name written again points at the new image, another name is added', async () => {
    const { base, child } = env.fx;
    const dir = join(work, 'layout');
    const writer = await OciLayoutWriter.create(dir);
    const b = source('base');
    const c = source('child');
    await copyImage(b, await b.resolve({ tag: base.tag }, LINUX), writer, 'app');
    await copyImage(c, await c.resolve({ tag: child.tag }, LINUX), writer, 'app');
    await writer.close();
    const again = await OciLayoutWriter.create(dir);
    await copyImage(b, await b.resolve({ tag: base.tag }, LINUX), again, 'base');
    await again.close();
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: Descriptor[] };
    assert.deepEqual(
      index.manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'], m.digest]),
      [
        ['app', child.manifestDigest],
        ['base', base.manifestDigest],
      ],
    );
    for (const [name, digest] of [['app', child.manifestDigest], ['base', base.manifestDigest]] as const) {
      const inspected = JSON.parse((await run('skopeo', ['inspect', `oci:${dir}:${name}`])).stdout.toString()) as { Digest: string };
      assert.equal(inspected.Digest, digest);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout'], 'no temp file left');
  });

  describe('every sink commits only verified bytes', () => {
    const bytes = Buffer.from('a layer blob, or what claims to be one');
    const desc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(bytes), size: bytes.length };
    const sinks: Record<string, (dir: string) => Promise<ImageSink>> = {
      'OCI layout writer': (dir) => OciLayoutWriter.create(dir),
      'OCI archive writer': async (dir) => {
        await mkdir(dir);
        return OciArchiveWriter.create(join(dir, 'image.tar'));
      },
      'docker archive writer': async (dir) => {
        await mkdir(dir);
        return DockerArchiveWriter.create(join(dir, 'image.tar'));
      },
      'content store': async (dir) => {
        const c = new ContentStore(dir);
        await c.init();
        return c;
      },
    };
    for (const [kind, make] of Object.entries(sinks)) {
      it(`${kind}: refuses a wrong blob, config or manifest, and takes a blob again from the next server`, async () => {
        const sink = await make(join(work, 'sink'));
        await assert.rejects(sink.writeBlob(desc, serving(bytes, 1, false)), isCode('DIGEST_MISMATCH'));
        assert.equal(await sink.has(desc.digest), false);
        const wrong = Buffer.from(bytes);
        wrong[3] = wrong[3]! ^ 0xff;
        await assert.rejects(sink.writeConfig(desc, wrong), isCode('DIGEST_MISMATCH'));
        await assert.rejects(sink.writeManifest(desc, Buffer.concat([bytes, Buffer.from('x')])), isCode('SIZE_MISMATCH'));
        assert.equal(await sink.has(desc.digest), false);

        const fetch = serving(bytes, 1, true);
        await sink.writeBlob(desc, fetch);
        assert.equal(fetch.calls, 2);
        assert.equal(await sink.has(desc.digest), true);
        await sink.close();
      });
    }
  });
});
