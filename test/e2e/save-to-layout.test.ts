/**
 * Save's first path end to end: an image installed from the registry, read back from the store
 * (InstalledSource) and written to an OCI layout directory (saveImages), is what skopeo reads as the
 * registry's image, every digest equal; an image whose layer blobs were deleted once imported
 * fails with BLOB_NOT_STORED and leaves the layout naming nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../src/errors.js';
import { sha256 } from '../../src/image/digest.js';
import type { OpsContext } from '../../src/ops/context.js';
import { saveImages } from '../../src/ops/save.js';
import { ctrimg } from '../support/ctrimg.js';
import { run } from '../support/oci-layout.js';
import { fixtureRegistry, installedStore, quietContext } from '../support/stores.js';

describe('end to end: saving an installed image to an OCI layout', function () {
  this.timeout(120_000);
  const env = fixtureRegistry();
  let work: string;
  const roots: string[] = [];
  const contexts: OpsContext[] = [];

  const open = async (root: string) => {
    const ctx = await quietContext(root);
    contexts.push(ctx);
    return ctx;
  };
  const installed = (ctx: OpsContext, manifestDigest: string) => {
    const image = ctx.store.images.all().find((i) => i.manifestDigest === manifestDigest);
    assert.ok(image, `${manifestDigest} is installed`);
    return image;
  };

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctrimg-save-'));
  });
  afterEach(async () => {
    for (const ctx of contexts.splice(0)) await ctx.close();
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('writes the installed image and its base as skopeo reads them from the registry, every digest equal', async () => {
    const { child, base } = env.fx;
    const root = await installedStore('ctrimg-save-store-', child.reference);
    roots.push(root);
    const ctx = await open(root);
    const dir = join(work, 'layout');
    await mkdir(dir);

    const [saved] = await saveImages(ctx, { images: [{ by: 'installed', selector: { by: 'id', id: installed(ctx, child.manifestDigest).configDigest } }], path: dir });
    assert.equal(saved!.name, child.tag);
    assert.equal(saved!.format, 'layout');
    assert.equal(saved!.manifestDigest, child.manifestDigest);
    await saveImages(ctx, { images: [{ by: 'installed', selector: { by: 'id', id: installed(ctx, base.manifestDigest).configDigest } }], path: dir });

    for (const [name, img] of [[child.tag, child], [base.tag, base]] as const) {
      const inspected = JSON.parse((await run('skopeo', ['inspect', `oci:${dir}:${name}`])).stdout.toString()) as { Digest: string; Layers: string[] };
      assert.equal(inspected.Digest, img.manifestDigest, name);
      assert.deepEqual(inspected.Layers, img.layerDigests, name);
    }

    const out = join(work, 'out');
    await run('skopeo', ['copy', '--quiet', '--preserve-digests', `oci:${dir}:${child.tag}`, `dir:${out}`]);
    const blobs = (await readdir(out)).filter((f) => /^[a-f0-9]{64}$/.test(f));
    assert.deepEqual(blobs.sort(), [...child.layerDigests, child.configDigest].map((d) => d.slice(7)).sort());
    for (const f of blobs) {
      const bytes = await readFile(join(out, f));
      assert.equal(sha256(bytes), `sha256:${f}`);
      assert.deepEqual(bytes, f === child.configDigest.slice(7) ? child.configBytes : child.blobs.get(`sha256:${f}`), f);
    }
    assert.deepEqual(await readFile(join(out, 'manifest.json')), child.manifestBytes);
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout'], 'no temp or lock file left');
  });

  it('fails with BLOB_NOT_STORED (not found) for an image installed with its layer blobs deleted, naming nothing in the layout', async () => {
    const { child } = env.fx;
    const root = await mkdtemp(join(tmpdir(), 'ctrimg-save-dropped-'));
    roots.push(root);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', child.reference, '-Insecure', '-DropLayerBlobs']);
    assert.equal(r.code, 0, r.stderr);
    const ctx = await open(root);
    const dir = join(work, 'layout');
    await mkdir(dir);
    await assert.rejects(
      saveImages(ctx, { images: [{ by: 'installed', selector: { by: 'id', id: installed(ctx, child.manifestDigest).configDigest } }], path: dir }),
      (e: unknown) => e instanceof CtrimgError && e.code === 'BLOB_NOT_STORED' && e.exitCode === 3 && e.message.includes(child.layerDigests[0]!),
    );
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: unknown[] };
    assert.deepEqual(index.manifests, []);
  });
});
