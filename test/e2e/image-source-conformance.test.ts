/**
 * One suite, every ImageSource: the registry (through a fault proxy, so a test can tamper
 * with the bytes on the wire), an OCI layout directory that skopeo wrote from the same
 * registry (where a test tampers with the blob file), and the content store holding the image
 * installed from the registry (tampered the same way). All must resolve and serve the same
 * fixture images identically, and fail the same way. The store keeps no tags and no index, so
 * it names the image by its manifest digest, and the cases of tags and indexes are not its.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OciLayout } from '../../src/archive/oci-layout.js';
import { InstalledSource } from '../../src/content/installed-source.js';
import { ContentStore } from '../../src/content/store.js';
import { CtrimgError, failed } from '../../src/errors.js';
import type { Digest } from '../../src/image/digest.js';
import type { Descriptor } from '../../src/image/manifest.js';
import { parsePlatform } from '../../src/image/platform.js';
import type { BlobFetch, ImageName, ImageSource } from '../../src/image/source.js';
import type { OpsContext } from '../../src/ops/context.js';
import { installImage } from '../../src/ops/install.js';
import { HostClient } from '../../src/registry/client.js';
import { RegistrySource } from '../../src/registry/source.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { FIXTURE_NAMES } from '../support/fixtures.js';
import { hexOf, skopeoToLayout } from '../support/oci-layout.js';
import { fixtureRegistry, quietContext } from '../support/stores.js';

/** As a linux/amd64 host would choose. */
const LINUX = { host: parsePlatform('linux/amd64') };
const WINDOWS = { host: parsePlatform('windows/amd64:10.0.17763.1') };

/** How a suite reaches one implementation: a source for a fixture repository, and a way to corrupt a blob it serves. */
interface Subject {
  /** The source holding the fixture `repo`. */
  source(repo: 'child' | 'multi'): ImageSource;
  /** What the child fixture is asked for by: its tag where the source keeps tags, else its manifest digest. */
  childName(): ImageName;
  /** Makes the next read of `digest` serve one wrong byte at `at`; undone by the returned function. */
  tamper(digest: Digest, at: number): Promise<() => Promise<void>>;
  dispose?(): Promise<void>;
}

/** An implementation, and what of the suite applies to it. */
interface Kind {
  make(): Promise<Subject>;
  /** It names images by tag (a registry's tags, a layout's ref names). */
  tags: boolean;
  /** It serves image indexes (the multi-platform fixture). */
  indexes: boolean;
}

/** Flips the byte at `at` of every one of `files` that exists; the returned function puts them back. */
async function flipInFiles(files: string[], at: number): Promise<() => Promise<void>> {
  const originals = await Promise.all(files.map((f) => readFile(f).catch(() => undefined)));
  for (const [i, bytes] of originals.entries()) {
    if (!bytes) continue;
    const wrong = Buffer.from(bytes);
    wrong[at] = wrong[at]! ^ 0xff;
    await writeFile(files[i]!, wrong);
  }
  return async () => {
    for (const [i, bytes] of originals.entries()) if (bytes) await writeFile(files[i]!, bytes);
  };
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A fetch that records the offsets asked for, and whose first stream breaks (temporarily) after `breakAfter` bytes. */
function flaky(fetch: BlobFetch, breakAfter: number, asked: number[]): BlobFetch {
  let first = true;
  return async (offset) => {
    asked.push(offset);
    const stream = await fetch(offset);
    if (!first) return stream;
    first = false;
    let sent = 0;
    return Readable.from(
      (async function* () {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const room = breakAfter - sent;
          if (chunk.length >= room) {
            yield chunk.subarray(0, room);
            stream.destroy();
            throw failed('connection reset', { code: 'UNREACHABLE', temporary: true });
          }
          sent += chunk.length;
          yield chunk;
        }
      })(),
    );
  };
}

describe('ImageSource conformance', function () {
  this.timeout(120_000);
  const env = fixtureRegistry();
  let proxy: FaultProxy;
  let client: HostClient;
  let layouts: string;

  before(async () => {
    proxy = await startFaultProxy(env.registry.url);
    client = new HostClient({ base: proxy.url, retry: { baseDelayMs: 10, attempts: 1 } });
    layouts = await mkdtemp(join(tmpdir(), 'ctrimg-conformance-'));
    await skopeoToLayout(env.fx.child.reference, join(layouts, 'child'), env.fx.child.tag);
    await skopeoToLayout(env.fx.multi.reference, join(layouts, 'multi'), env.fx.multi.tag, { all: true });
    // What the layout cases rest on: `--all` nests the image index under index.json's entry.
    const index = JSON.parse((await readFile(join(layouts, 'multi', 'index.json'))).toString()) as { manifests: Descriptor[] };
    assert.deepEqual(
      index.manifests.map((m) => [m.mediaType, m.digest]),
      [['application/vnd.oci.image.index.v1+json', env.fx.multi.indexDigest]],
    );
  });
  after(async () => {
    await client?.close();
    await proxy?.stop();
    if (layouts) await rm(layouts, { recursive: true, force: true });
  });

  const kinds: Record<string, Kind> = {
    registry: {
      tags: true,
      indexes: true,
      make: async () => ({
        source: (repo) => new RegistrySource(client, { registry: new URL(proxy.url).host, repository: FIXTURE_NAMES[repo].repo }, () => {}),
        childName: () => ({ tag: env.fx.child.tag }),
        async tamper(digest, at) {
          proxy.inject(new RegExp(`/blobs/${digest}$`), { kind: 'flip', at });
          return async () => {};
        },
      }),
    },
    'OCI layout (skopeo)': {
      tags: true,
      indexes: true,
      make: async () => ({
        source: (repo) => new OciLayout(join(layouts, repo)),
        childName: () => ({ tag: env.fx.child.tag }),
        tamper: (digest, at) => flipInFiles(['child', 'multi'].map((d) => join(layouts, d, 'blobs', 'sha256', hexOf(digest))), at),
      }),
    },
    'installed (content store)': {
      tags: false,
      indexes: false,
      async make() {
        const root = await mkdtemp(join(tmpdir(), 'ctrimg-conformance-installed-'));
        let ctx: OpsContext | undefined;
        try {
          ctx = await quietContext(root);
          await installImage(ctx, { by: 'reference', reference: env.fx.child.reference, insecure: true }, { platform: LINUX.host });
        } catch (err) {
          await ctx?.close();
          await rm(root, { recursive: true, force: true });
          throw err;
        }
        const { content } = ctx;
        return {
          source: () => new InstalledSource(content, `${env.registry.host}/${FIXTURE_NAMES.child.repo}`),
          childName: () => ({ digest: env.fx.child.manifestDigest }),
          tamper: (digest, at) => flipInFiles([content.path(digest)], at),
          async dispose() {
            await ctx.close();
            await rm(root, { recursive: true, force: true });
          },
        };
      },
    },
  };

  for (const [kind, { make, tags, indexes }] of Object.entries(kinds)) {
    describe(kind, () => {
      let subject: Subject;
      let store: string;
      let content: ContentStore;
      const ready = async (repo: 'child' | 'multi') => {
        const s = subject.source(repo);
        await s.ready();
        return s;
      };
      before(async () => {
        subject = await make();
      });
      after(() => subject?.dispose?.());
      beforeEach(async () => {
        store = await mkdtemp(join(tmpdir(), 'ctrimg-conformance-store-'));
        content = new ContentStore(store);
        await content.init();
      });
      afterEach(() => rm(store, { recursive: true, force: true }));

      it(`resolves ${tags ? 'a tag' : 'a manifest digest'} to the image manifest, its annotations and its config`, async () => {
        const { child } = env.fx;
        const source = await ready('child');
        const image = await source.resolve(subject.childName(), LINUX);
        assert.equal(image.digest, child.manifestDigest);
        assert.deepEqual(image.bytes, child.manifestBytes);
        assert.equal(image.annotations['org.opencontainers.image.title'], 'WebApp');
        assert.equal(image.annotations['org.opencontainers.image.base.digest'], env.fx.base.manifestDigest);
        assert.deepEqual(image.manifest.layers.map((l) => l.digest), child.layerDigests);
        assert.deepEqual(await source.config(image), child.configBytes);
      });

      it('resolves a digest to the same manifest', async () => {
        const { child } = env.fx;
        const image = await (await ready('child')).resolve({ digest: child.manifestDigest }, LINUX);
        assert.equal(image.digest, child.manifestDigest);
        assert.deepEqual(image.bytes, child.manifestBytes);
        assert.deepEqual(image.manifest.config.digest, child.configDigest);
      });

      if (indexes) it("chooses the platform's manifest from an index, with the index's annotations", async () => {
        const { multi } = env.fx;
        const source = await ready('multi');
        const linux = await source.resolve({ tag: multi.tag }, LINUX);
        const windows = await source.resolve({ tag: multi.tag }, WINDOWS);
        assert.equal(linux.digest, multi.linux.manifestDigest);
        assert.equal(windows.digest, multi.windows.manifestDigest);
        assert.equal(windows.annotations['org.opencontainers.image.title'], 'Multi');
        assert.deepEqual(await source.config(windows), multi.windows.configBytes);
        await assert.rejects(source.resolve({ tag: multi.tag }, { host: parsePlatform('linux/s390x') }), (e: unknown) => e instanceof CtrimgError && e.exitCode === 3);
      });

      it(`answers not found (exit 3) for ${tags ? 'a tag or digest' : 'a digest'} it does not have`, async () => {
        const source = await ready('child');
        const names: ImageName[] = [...(tags ? [{ tag: 'no-such-tag' }] : []), { digest: `sha256:${'0'.repeat(64)}` as Digest }];
        for (const name of names) {
          await assert.rejects(source.resolve(name, LINUX), (e: unknown) => e instanceof CtrimgError && e.kind === 'notFound' && e.exitCode === 3, JSON.stringify(name));
        }
      });

      it('serves every layer whole, and from any offset', async () => {
        const { child } = env.fx;
        const source = await ready('child');
        const image = await source.resolve(subject.childName(), LINUX);
        for (const desc of image.manifest.layers) {
          const bytes = child.blobs.get(desc.digest)!;
          const fetch = source.blob(desc);
          assert.deepEqual(await readAll(await fetch(0)), bytes);
          const mid = Math.floor(bytes.length / 2);
          assert.deepEqual(await readAll(await fetch(mid)), bytes.subarray(mid));
        }
      });

      it('lets the content store resume a broken download from the byte reached', async () => {
        const { child } = env.fx;
        const source = await ready('child');
        const image = await source.resolve(subject.childName(), LINUX);
        const desc: Descriptor = image.manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
        const asked: number[] = [];
        const fetch = flaky(source.blob(desc), 100, asked);
        const first = content.feed(desc.digest, fetch, { size: desc.size });
        await assert.rejects(first.done, (e: unknown) => e instanceof CtrimgError && e.code === 'UNREACHABLE');
        await content.feed(desc.digest, fetch, { size: desc.size }).done;
        assert.deepEqual(asked, [0, 100]);
        assert.deepEqual(await content.read(desc.digest), child.blobs.get(desc.digest));
      });

      it('fails the stream of a blob with a wrong byte read from offset 0, with no content store to check it', async () => {
        const source = await ready('child');
        const image = await source.resolve(subject.childName(), LINUX);
        const desc = image.manifest.layers.at(-1)!;
        const restore = await subject.tamper(desc.digest, Math.floor(desc.size / 2));
        try {
          // The size is right, so only a check of the whole at EOF can find the byte wrong.
          await assert.rejects(readAll(await source.blob(desc)(0)), (e: unknown) => e instanceof CtrimgError && e.code === 'DIGEST_MISMATCH');
        } finally {
          await restore();
        }
      });

      it('fails a blob with a wrong byte with DIGEST_MISMATCH, committing nothing', async () => {
        const source = await ready('child');
        const image = await source.resolve(subject.childName(), LINUX);
        const desc = image.manifest.layers.at(-1)!;
        const restore = await subject.tamper(desc.digest, Math.floor(desc.size / 2));
        try {
          await assert.rejects(content.feed(desc.digest, source.blob(desc), { size: desc.size }).done, (e: unknown) => e instanceof CtrimgError && e.code === 'DIGEST_MISMATCH');
        } finally {
          await restore();
        }
        assert.equal(await content.has(desc.digest), false);
      });

      it('fails a config with a wrong byte with DIGEST_MISMATCH', async () => {
        const { child } = env.fx;
        const source = await ready('child');
        const image = await source.resolve(subject.childName(), LINUX);
        const restore = await subject.tamper(child.configDigest, 3);
        try {
          await assert.rejects(source.config(image), (e: unknown) => e instanceof CtrimgError && e.code === 'DIGEST_MISMATCH');
        } finally {
          await restore();
        }
      });
    });
  }
});
