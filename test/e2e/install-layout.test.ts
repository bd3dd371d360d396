/**
 * Install from an OCI layout directory skopeo wrote, against the same image installed from the
 * registry by the executable: the same layers (chain ids) and the same image records. The
 * layout's base comes from the layout when it holds it, else only from a registered source,
 * as for an image from a registry (base-trust.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../src/errors.js';
import { parsePlatform } from '../../src/image/platform.js';
import type { OpsContext } from '../../src/ops/context.js';
import { installImage } from '../../src/ops/install.js';
import type { ImageRecord } from '../../store/index.js';
import { ctrimg } from '../support/ctrimg.js';
import { skopeoToLayout } from '../support/oci-layout.js';
import { fixtureRegistry, installedStore, quietContext } from '../support/stores.js';

const LINUX = { platform: parsePlatform('linux/amd64') };

/**
 * What a store recorded of its images, by name, without what is local to the store (ids, times)
 * and without `pulled`: only an image installed from a registry is (docker's RepoDigests).
 */
function recorded(ctx: OpsContext): Record<string, { image: Partial<ImageRecord>; chain: string[]; layers: Array<{ diffId: string; blobDigest: string; mediaType: string }> }> {
  const out: ReturnType<typeof recorded> = {};
  for (const { id, installed, pulled, ...image } of ctx.store.images.all()) {
    const chain = ctx.store.layers.ofImage(id).map((l) => l.chainId);
    const layers = ctx.store.layers.ofImage(id).map(({ diffId, blobDigest, mediaType }) => ({ diffId, blobDigest, mediaType }));
    out[image.name] = { image, chain, layers };
  }
  return out;
}

describe('end to end: install from an OCI layout', function () {
  this.timeout(180_000);
  const env = fixtureRegistry();
  const dirs: string[] = [];
  const tempDir = async (prefix: string) => {
    const d = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  let fromRegistry: OpsContext;

  before(async () => {
    const root = await installedStore('ctrimg-e2e-layout-registry-', env.fx.child.reference);
    dirs.push(root);
    fromRegistry = await quietContext(root);
  });
  after(async () => {
    await fromRegistry?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** A context whose registries must not be asked: the image and its base are all in the layout. */
  async function offline(root: string): Promise<OpsContext> {
    const ctx = await quietContext(root);
    ctx.registry = () => assert.fail('a registry was asked for an image the layout holds');
    return ctx;
  }

  it('gives the same layers and image records as the registry, the base taken from the layout by digest', async () => {
    const { child, base, host } = env.fx;
    const layout = await tempDir('ctrimg-e2e-layout-');
    await skopeoToLayout(base.reference, layout, base.tag);
    await skopeoToLayout(child.reference, layout, child.tag);
    const ctx = await offline(await tempDir('ctrimg-e2e-layout-store-'));
    try {
      const installed = await installImage(ctx, { by: 'path', path: layout, name: { tag: child.tag }, repository: `${host}/${child.repo}` }, LINUX);
      assert.deepEqual(installed.map((i) => [i.image.name, i.alreadyInstalled, i.newLayers]), [
        ['NanoServer', false, 3],
        ['WebApp', false, 1],
      ]);
      assert.deepEqual(recorded(ctx), recorded(fromRegistry));
      const again = await installImage(ctx, { by: 'path', path: layout, name: { digest: child.manifestDigest }, repository: `${host}/${child.repo}` }, LINUX);
      assert.deepEqual(again.map((i) => i.alreadyInstalled), [true]);
    } finally {
      await ctx.close();
    }
  });

  it('installs from a layout skopeo recompressed with zstd: the same chain ids, the base from a registered source', async () => {
    const { child, host } = env.fx;
    const layout = await tempDir('ctrimg-e2e-layout-zstd-');
    await skopeoToLayout(child.reference, layout, child.tag, { compress: 'zstd' });
    const root = await tempDir('ctrimg-e2e-layout-zstd-store-');
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'fixtures', '-Location', env.registry.url, '-Insecure']);
    assert.equal(reg.code, 0, reg.stderr);
    const ctx = await quietContext(root);
    try {
      await installImage(ctx, { by: 'path', path: layout, name: { tag: child.tag }, repository: `${host}/${child.repo}` }, LINUX);
      const got = recorded(ctx);
      const want = recorded(fromRegistry);
      assert.deepEqual(got.NanoServer!.chain, want.NanoServer!.chain);
      assert.deepEqual(got.WebApp!.chain, want.WebApp!.chain);
      assert.deepEqual(got.WebApp!.layers.at(-1)!.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
      assert.notEqual(got.WebApp!.image.manifestDigest, want.WebApp!.image.manifestDigest);
      const same = ({ name, publisher, version, description, tag, platform, created, repository }: Partial<ImageRecord>) => ({
        name,
        publisher,
        version,
        description,
        tag,
        platform,
        created,
        repository,
      });
      assert.deepEqual(same(got.WebApp!.image), same(want.WebApp!.image));
    } finally {
      await ctx.close();
    }
  });

  it('refuses a base the layout does not hold and no registered source serves (BASE_UNTRUSTED), installing nothing', async () => {
    const { child } = env.fx;
    const layout = await tempDir('ctrimg-e2e-layout-alone-');
    await skopeoToLayout(child.reference, layout, child.tag);
    const ctx = await offline(await tempDir('ctrimg-e2e-layout-untrusted-'));
    try {
      await assert.rejects(
        installImage(ctx, { by: 'path', path: layout, name: { tag: child.tag } }, LINUX),
        (e: unknown) => e instanceof CtrimgError && e.code === 'BASE_UNTRUSTED',
      );
      assert.deepEqual(ctx.store.images.all(), []);
    } finally {
      await ctx.close();
    }
  });
});
