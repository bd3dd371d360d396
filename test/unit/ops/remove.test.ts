/**
 * Removal decided image by image over families written straight into a store: children before
 * parents, refusals naming containers (any state) and child images, -WhatIf deciding the same
 * and changing nothing, layers freed only with the last image that uses them, and what a
 * failure does to the images or containers after it (-ErrorAction Continue or Stop).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { containerRemovalError, getContainers, removeContainers } from '../../../src/ops/containers.js';
import { planRemoval, removalError, removalErrors, removeImages } from '../../../src/ops/remove.js';
import type { ImageRecord } from '../../../store/index.js';
import { addImage } from '../../support/lineage.js';
import { quietContext } from '../../support/stores.js';

describe('removing several images', () => {
  let root: string;
  let ctx: OpsContext;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-remove-'));
    ctx = await quietContext(root);
  });
  afterEach(async () => {
    await ctx.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Records the image and makes its layer directories, as an install leaves them. */
  async function image(name: string, layers: string[]): Promise<ImageRecord> {
    const img = addImage(ctx.store, name, layers);
    for (const l of ctx.store.layers.ofImage(img.id)) await mkdir(ctx.layerPath(l.chainId as Digest), { recursive: true });
    return img;
  }
  const layerDirs = async () => {
    const present: string[] = [];
    for (const l of ctx.store.layers.all()) if (await stat(ctx.layerPath(l.chainId as Digest)).then(() => true, () => false)) present.push(l.chainId);
    return present.length;
  };
  const names = () => ctx.store.images.all().map((i) => i.name);

  describe('a family where one image has a container', () => {
    let base: ImageRecord, child: ImageRecord, grandchild: ImageRecord, sibling: ImageRecord;
    beforeEach(async () => {
      base = await image('Base', ['a', 'b']);
      child = await image('Child', ['a', 'b', 'c']);
      grandchild = await image('Grandchild', ['a', 'b', 'c', 'd']);
      sibling = await image('Sibling', ['a', 'b', 's']);
      ctx.store.containers.add({ cid: 'e'.repeat(64), name: 'web1', imageId: sibling.id, state: 'Running', created: 'now' });
    });

    it('asks about each image it would remove, none it would refuse, all before any goes; one answered no stays', async () => {
      const asked: string[] = [];
      const r = await removeImages(ctx, [base, child, grandchild, sibling], {
        confirm: async (image) => {
          asked.push(image.name);
          assert.deepEqual(names().sort(), ['Base', 'Child', 'Grandchild', 'Sibling'], 'nothing is removed while asking');
          return image.name !== 'Child';
        },
      });
      assert.deepEqual(asked, ['Grandchild', 'Child']);
      assert.deepEqual(r.removed.map((i) => i.name), ['Grandchild']);
      // Child, declined, is kept; so Base has it as a child as well as Sibling.
      assert.deepEqual(r.refused.map((x) => [x.image.name, x.children.map((i) => i.name).sort()]), [
        ['Sibling', []],
        ['Base', ['Child', 'Sibling']],
      ]);
      assert.deepEqual(names().sort(), ['Base', 'Child', 'Sibling']);
    });

    it('removes the free ones children first and refuses the rest, naming what each is used by', async () => {
      const r = await removeImages(ctx, [base, child, grandchild, sibling]);
      assert.deepEqual(r.removed.map((i) => i.name), ['Grandchild', 'Child']);
      assert.deepEqual(r.refused.map((x) => [x.image.name, x.containers.map((c) => `${c.name} ${c.state}`), x.children.map((i) => i.name)]), [
        ['Sibling', ['web1 Running'], []],
        ['Base', [], ['Sibling']],
      ]);
      assert.deepEqual(names(), ['Base', 'Sibling']);
      assert.equal(r.swept.layers, 2, "the child's and grandchild's own layers");
      assert.equal(await layerDirs(), 3);
      assert.equal(ctx.store.layers.all().length, 3);
      const err = removalError(r);
      assert.ok(err instanceof CtrimgError);
      assert.equal(err.exitCode, 4);
      assert.equal(err.code, 'IMAGE_IN_USE');
      assert.equal(err.message, "cannot remove 'Sibling': it is used by container 'web1' (Running); 'Base': it is used by image 'Sibling'");
    });

    it('-WhatIf decides the same and changes nothing', async () => {
      const rowsBefore = [names(), ctx.store.layers.all(), await layerDirs()];
      const r = planRemoval(ctx, [sibling, base, grandchild, child]);
      assert.deepEqual(r.removed.map((i) => i.name), ['Grandchild', 'Child']);
      assert.deepEqual(r.refused.map((x) => x.image.name), ['Sibling', 'Base']);
      assert.deepEqual([names(), ctx.store.layers.all(), await layerDirs()], rowsBefore);
    });

    it('-WhatIf refuses a forced importer the store was not made by, as the removal would', () => {
      assert.throws(
        () => planRemoval(ctx, [grandchild], { importer: 'hcs' }),
        (err: unknown) => err instanceof CtrimgError && err.code === 'IMPORTER_MISMATCH',
      );
      assert.deepEqual(planRemoval(ctx, [grandchild], { importer: 'dir' }).removed.map((i) => i.name), ['Grandchild']);
    });

    it('asked to stop at the first failure (-ErrorAction Stop), attempts none after the first refusal, and plans the same', async () => {
      const targets = [base, child, grandchild, sibling];
      const plan = planRemoval(ctx, targets, { stopAtFirstFailure: true });
      const r = await removeImages(ctx, targets, { stopAtFirstFailure: true });
      for (const x of [plan, r]) {
        assert.deepEqual(x.removed.map((i) => i.name), ['Grandchild']);
        assert.deepEqual(x.refused.map((y) => y.image.name), ['Sibling']);
        assert.deepEqual(x.skipped.map((i) => i.name), ['Child', 'Base'], 'decided after Sibling, so not attempted');
      }
      assert.deepEqual(names(), ['Base', 'Child', 'Sibling']);
      assert.deepEqual(removalErrors(r).map((e) => [e.code, e.exitCode, e.message]), [['IMAGE_IN_USE', 4, "cannot remove 'Sibling': it is used by container 'web1' (Running)"]]);
    });

    it('reports each refusal as an error of its own, by default after attempting every image', async () => {
      const r = await removeImages(ctx, [base, child, grandchild, sibling]);
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(removalErrors(r).map((e) => [e.exitCode, e.message]), [
        [4, "cannot remove 'Sibling': it is used by container 'web1' (Running)"],
        [4, "cannot remove 'Base': it is used by image 'Sibling'"],
      ]);
    });

    it('refuses a parent whose child is refused, and removes it once the container is gone', async () => {
      const first = await removeImages(ctx, [base, sibling]);
      assert.deepEqual(first.removed, []);
      assert.deepEqual(first.swept, { layers: 0, blobs: 0, chainIds: [] });
      ctx.store.containers.remove({ id: 1, cid: 'e'.repeat(64) });
      const second = await removeImages(ctx, [base, sibling]);
      assert.deepEqual(second.removed.map((i) => i.name), ['Sibling']);
      assert.deepEqual(second.refused.map((x) => [x.image.name, x.children.map((i) => i.name)]), [['Base', ['Child']]]);
    });
  });

  it('removes an image and its former parent in one command, then every layer', async () => {
    const base = await image('Base', ['a']);
    const child = await image('Child', ['a', 'b']);
    const r = await removeImages(ctx, [base, child]);
    assert.deepEqual(r.removed.map((i) => i.name), ['Child', 'Base']);
    assert.deepEqual([names(), ctx.store.layers.all(), await layerDirs()], [[], [], 0]);
    assert.equal(removalError(r), undefined);
  });

  it('frees shared layers only with the last image that uses them', async () => {
    const first = await image('First', ['a', 'b']);
    const twin = await image('Twin', ['a', 'b']);
    const other = await image('Other', ['a', 'b', 'x']);
    const r = await removeImages(ctx, [first, other]);
    assert.deepEqual(r.removed.map((i) => i.name), ['Other', 'First'], 'First is the parent of Other, which goes first');
    assert.deepEqual(names(), ['Twin']);
    assert.equal(await layerDirs(), 2, "Other's own layer went; the twins' two stay");
    const last = await removeImages(ctx, [twin]);
    assert.deepEqual(last.removed.map((i) => i.name), ['Twin']);
    assert.deepEqual([ctx.store.layers.all(), await layerDirs()], [[], 0]);
  });

  it('checks the database before deleting anything, and only when something is to go', async () => {
    const base = await image('Base', ['a']);
    const child = await image('Child', ['a', 'b']);
    // A link row naming an image that does not exist: foreign_key_check reports it.
    ctx.store.db.pragma('foreign_keys = OFF');
    ctx.store.db.prepare('INSERT INTO image_layers (image_id, position, layer_id) VALUES (999, 0, 1)').run();
    ctx.store.db.pragma('foreign_keys = ON');
    const refusedOnly = await removeImages(ctx, [base]);
    assert.deepEqual(refusedOnly.refused.map((x) => x.image.name), ['Base'], 'a refusal deletes nothing and is decided without the check');
    await assert.rejects(removeImages(ctx, [child]), (err: unknown) => err instanceof CtrimgError && err.code === 'DATABASE_DAMAGED');
    assert.deepEqual(names(), ['Base', 'Child'], 'the removal was rolled back');
    assert.equal(await layerDirs(), 2);
  });

  it('names the images another command removed first, and says so as not found when none is left', async () => {
    const a = await image('A', ['a']);
    const b = await image('B', ['b']);
    await removeImages(ctx, [a]);
    const r = await removeImages(ctx, [a, b]);
    assert.deepEqual([r.removed.map((i) => i.name), r.gone.map((i) => i.name)], [['B'], ['A']]);
    assert.equal(removalError(r)?.code, 'IMAGE_GONE');
    await assert.rejects(removeImages(ctx, [a, b]), (err: unknown) => err instanceof CtrimgError && err.exitCode === 3);
  });
});

describe('removing several containers', () => {
  let root: string;
  let ctx: OpsContext;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-remove-containers-'));
    ctx = await quietContext(root);
    const img = addImage(ctx.store, 'Base', ['a']);
    for (const [i, name] of ['c1', 'c2', 'c3'].entries()) {
      const cid = String(i + 1).repeat(64);
      ctx.store.containers.add({ cid, name, imageId: img.id, state: 'Off', created: 'now' });
      await mkdir(ctx.containerPath(cid), { recursive: true });
    }
    // The first container's files cannot be deleted.
    const remove = ctx.importer.removeContainer.bind(ctx.importer);
    ctx.importer.removeContainer = async (path) => {
      if (path === ctx.containerPath('1'.repeat(64))) throw new CtrimgError('failed', 'the directory is busy', { code: 'EXISTS' });
      return remove(path);
    };
  });
  afterEach(async () => {
    await ctx.close();
    await rm(root, { recursive: true, force: true });
  });
  const present = async () => {
    const dirs: string[] = [];
    for (const c of ['1', '2', '3']) if (await stat(ctx.containerPath(c.repeat(64))).then(() => true, () => false)) dirs.push(c);
    return dirs;
  };

  it('reports a container whose files fail to go, naming it, and goes on with the others', async () => {
    const r = await removeContainers(ctx, getContainers(ctx));
    assert.deepEqual(r.removed.map((v) => v.container.name), ['c2', 'c3']);
    assert.deepEqual(r.failed.map((f) => f.view.container.name), ['c1']);
    assert.deepEqual([r.gone, r.skipped], [[], []]);
    assert.deepEqual(await present(), ['1']);
    const err = containerRemovalError(r.failed[0]!);
    assert.deepEqual([err.code, err.exitCode], ['EXISTS', 1]);
    assert.equal(err.message, "container 'c1' was removed from the records, but its files were not deleted: the directory is busy");
  });

  it('asked to stop at the first failure, attempts none of the containers after it', async () => {
    const r = await removeContainers(ctx, getContainers(ctx), { stopAtFirstFailure: true });
    assert.deepEqual([r.removed, r.skipped].map((l) => l.map((v) => v.container.name)), [[], ['c2', 'c3']]);
    assert.deepEqual(await present(), ['1', '2', '3']);
    assert.deepEqual(getContainers(ctx).map((v) => v.container.name), ['c2', 'c3']);
  });
});
