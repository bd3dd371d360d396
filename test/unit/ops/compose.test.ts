/**
 * Operations compose in one process, as a provisioning run will: install, then remove, over one
 * context, each taking its own lease, with no lease file left behind and no wait on itself. The
 * image comes from an OCI layout written here, so no registry is needed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpsContext } from '../../../src/ops/context.js';
import { getImages, selectImages } from '../../../src/ops/images.js';
import { installImage } from '../../../src/ops/install.js';
import { withLease } from '../../../src/ops/lease-scope.js';
import { leaseFiles } from '../../../src/ops/leases.js';
import { removeImages } from '../../../src/ops/remove.js';
import { buildImage, MEDIA_TYPES, tarFromEntries, writeLayout, type BuiltImage } from '../../support/oci-layout.js';
import { quietContext } from '../../support/stores.js';

const PLATFORM = { os: 'linux', architecture: 'amd64' };

describe('operations composed in one process', () => {
  let root: string;
  let layout: string;
  let image: BuiltImage;
  let ctx: OpsContext;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-compose-'));
    layout = await mkdtemp(join(tmpdir(), 'ctrimg-compose-layout-'));
    image = buildImage({ repo: 'samples/app', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'app.txt', content: 'hello' }]) }] });
    await writeLayout(layout, image.blobs, { mediaType: MEDIA_TYPES.manifest, digest: image.manifestDigest, size: image.manifestBytes.length }, '1.0');
    ctx = await quietContext(root);
  });
  afterEach(async () => {
    await ctx.close();
    await rm(root, { recursive: true, force: true });
    await rm(layout, { recursive: true, force: true });
  });

  const install = () => installImage(ctx, { by: 'path', path: layout, name: { tag: '1.0' } }, { platform: PLATFORM });
  const remove = async () => removeImages(ctx, selectImages(ctx, [{ by: 'id', id: image.configDigest }]));
  const leases = async () => (await leaseFiles(root)).length;

  it('installs, then removes, leaving no image and no lease', async () => {
    const [installed] = await install();
    assert.equal(installed?.image.configDigest, image.configDigest);
    assert.equal(await leases(), 0);
    const { removed } = await remove();
    assert.deepEqual(removed.map((i) => i.configDigest), [image.configDigest]);
    assert.deepEqual(getImages(ctx), []);
    assert.equal(await leases(), 0);
  });

  it('runs both steps inside a provisioning scope that holds the install lease, without waiting on itself', async () => {
    const steps = withLease(ctx, 'install', async () => {
      await install();
      assert.equal(await leases(), 1, 'the nested install shares the scope’s lease');
      await remove();
      return leases();
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the composed steps waited on themselves')), 10_000).unref());
    assert.equal(await Promise.race([steps, timeout]), 1, 'the removal’s delete lease is gone once it finished');
    assert.equal(await leases(), 0);
    assert.deepEqual(getImages(ctx), []);
  });
});
