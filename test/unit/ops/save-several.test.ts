/**
 * Several images into one archive (objects piped to Save-ContainerImage), and several containers
 * made at once (to New-Container): each format names each image, two the format would give one
 * name are refused before anything is written, and a container that cannot be made stops all.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { getContainers, newContainers } from '../../../src/ops/containers.js';
import { installImage } from '../../../src/ops/install.js';
import { saveImages, type SaveItem } from '../../../src/ops/save.js';
import { buildImage, MEDIA_TYPES, run, tarFromEntries, writeLayout, type BuiltImage } from '../../support/oci-layout.js';
import { quietContext } from '../../support/stores.js';

const PLATFORM = { os: 'linux', architecture: 'amd64' };
const codeOf = (code: string) => (e: unknown) => e instanceof CtrimgError && e.code === code;

describe('saving several images, making several containers', () => {
  const temps: string[] = [];
  let ctx: OpsContext;
  let app: BuiltImage;
  let other: BuiltImage;
  const temp = async (prefix: string) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  /** Installs an image of one file, tagged 1.0, under `repository`. */
  const installOne = async (repository: string, content: string) => {
    const image = buildImage({ repo: 'x', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'app.txt', content }]) }] });
    const layout = await temp('ctrimg-save-several-layout-');
    await writeLayout(layout, image.blobs, { mediaType: MEDIA_TYPES.manifest, digest: image.manifestDigest, size: image.manifestBytes.length }, '1.0');
    await installImage(ctx, { by: 'path', path: layout, name: { tag: '1.0' }, repository }, { platform: PLATFORM });
    return image;
  };
  const installed = (image: BuiltImage): SaveItem => ({ by: 'installed', selector: { by: 'id', id: image.configDigest } });

  before(async () => {
    ctx = await quietContext(await temp('ctrimg-save-several-'));
    app = await installOne('127.0.0.1:5000/samples/app', 'app');
    other = await installOne('127.0.0.1:5000/samples/other', 'other');
  });
  after(async () => {
    await ctx.close();
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  it('writes both into one docker archive, each under its repository:tag', async () => {
    const path = join(await temp('ctrimg-save-several-out-'), 'both.tar');
    const saved = await saveImages(ctx, { images: [installed(app), installed(other)], path, format: 'docker' });
    assert.deepEqual(saved.map((s) => s.name), ['127.0.0.1:5000/samples/app:1.0', '127.0.0.1:5000/samples/other:1.0']);
    const manifest = JSON.parse((await run('tar', ['-xOf', path, 'manifest.json'])).stdout.toString()) as { RepoTags: string[] }[];
    assert.deepEqual(manifest.map((m) => m.RepoTags), [['127.0.0.1:5000/samples/app:1.0'], ['127.0.0.1:5000/samples/other:1.0']]);
  });

  it('refuses two images an OCI index would give one name, writing nothing', async () => {
    const path = join(await temp('ctrimg-save-several-out-'), 'both.tar');
    await assert.rejects(saveImages(ctx, { images: [installed(app), installed(other)], path }), (e: unknown) => {
      assert.ok(codeOf('NAME_AMBIGUOUS')(e));
      assert.match((e as Error).message, /would both be named '1\.0' in the OCI index/);
      return true;
    });
    assert.equal(existsSync(path), false);
  });

  it('writes the same image piped twice once', async () => {
    const path = join(await temp('ctrimg-save-several-out-'), 'once.tar');
    const saved = await saveImages(ctx, { images: [installed(app), installed(app)], path });
    assert.equal(saved.length, 1);
    const index = JSON.parse((await run('tar', ['-xOf', path, 'index.json'])).stdout.toString()) as { manifests: { digest: string }[] };
    assert.deepEqual(index.manifests.map((m) => m.digest), [app.manifestDigest]);
  });

  it('saves nothing, and writes no archive, when no image is given', async () => {
    const path = join(await temp('ctrimg-save-several-out-'), 'none.tar');
    assert.deepEqual(await saveImages(ctx, { images: [], path }), []);
    assert.equal(existsSync(path), false);
  });

  it('makes one container per request, from the image each selects', async () => {
    const views = await newContainers(ctx, [
      { image: { by: 'id', id: app.configDigest }, name: 'a1' },
      { image: { by: 'id', id: other.configDigest }, name: 'o1' },
    ]);
    assert.deepEqual(views.map((v) => [v.container.name, v.image.configDigest]), [
      ['a1', app.configDigest],
      ['o1', other.configDigest],
    ]);
  });

  it('makes none when one name is taken, given twice, or one image is not installed', async () => {
    await newContainers(ctx, [{ image: { by: 'id', id: app.configDigest }, name: 'taken' }]);
    const before = getContainers(ctx).map((v) => v.container.name).sort();
    const app2 = { by: 'id' as const, id: app.configDigest };
    await assert.rejects(newContainers(ctx, [{ image: app2, name: 'fresh' }, { image: app2, name: 'taken' }]), codeOf('CONTAINER_EXISTS'));
    await assert.rejects(newContainers(ctx, [{ image: app2, name: 'twice' }, { image: app2, name: 'twice' }]), codeOf('CONTAINER_EXISTS'));
    await assert.rejects(newContainers(ctx, [{ image: app2, name: 'fresh' }, { image: { by: 'id', id: `sha256:${'9'.repeat(64)}` }, name: 'other' }]), codeOf('IMAGE_NOT_FOUND'));
    assert.deepEqual(getContainers(ctx).map((v) => v.container.name).sort(), before);
  });
});
