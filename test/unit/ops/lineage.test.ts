/** Get-ContainerImage's lineage views over a family written straight into a store. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { getImages, getImageSummaries, lineageOf, type ImageQuery, type InstalledImage } from '../../../src/ops/images.js';
import type { ImageSummary } from '../../../store/index.js';
import { imageForest, type ImageTree } from '../../../src/ops/lineage.js';
import { addImage } from '../../support/lineage.js';
import { quietContext } from '../../support/stores.js';

const view = (xs: InstalledImage[]) => xs.map((x) => `${x.image.name}${x.image.version ? ` ${x.image.version}` : ''} <- ${x.parent?.name ?? '-'}`);
const shape = (t: ImageTree): unknown => [t.image.name, t.containers.map((c) => c.name), t.children.map(shape)];

describe('lineage views', () => {
  let root: string;
  let ctx: OpsContext;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-lineage-ops-'));
    ctx = await quietContext(root);
    addImage(ctx.store, 'Nano', ['n1', 'n2']);
    addImage(ctx.store, 'Web', ['n1', 'n2', 'w'], { version: '1.0.0.0' });
    addImage(ctx.store, 'Web', ['n1', 'n2', 'w', 'w2'], { version: '2.0.0.0', manifestDigest: 'sha256:' + '2'.repeat(64), configDigest: 'sha256:' + '3'.repeat(64) });
    addImage(ctx.store, 'Api', ['n1', 'n2', 'w', 'w2', 'a']);
    addImage(ctx.store, 'Core', ['c1']);
    const web2 = ctx.store.images.all().find((i) => i.version === '2.0.0.0')!;
    ctx.store.containers.add({ cid: 'f'.repeat(64), name: 'site', imageId: web2.id, state: 'Off', created: 'now' });
  });
  afterEach(async () => {
    await ctx.close();
    await rm(root, { recursive: true, force: true });
  });

  it('lists every image with its parent, by name then newest version', () => {
    assert.deepEqual(view(getImages(ctx)), ['Api <- Web', 'Core <- -', 'Nano <- -', 'Web 2.0.0.0 <- Web', 'Web 1.0.0.0 <- Nano']);
    assert.deepEqual(view(getImages(ctx, { names: ['w*'], version: undefined })), ['Web 2.0.0.0 <- Web', 'Web 1.0.0.0 <- Nano']);
  });

  it('lists children, descendants by generation, and ancestors nearest first', () => {
    assert.deepEqual(view(getImages(ctx, { related: { relation: 'children', of: 'Nano' } })), ['Web 1.0.0.0 <- Nano']);
    assert.deepEqual(view(getImages(ctx, { related: { relation: 'descendants', of: 'Nano' } })), ['Web 1.0.0.0 <- Nano', 'Web 2.0.0.0 <- Web', 'Api <- Web']);
    assert.deepEqual(view(getImages(ctx, { related: { relation: 'ancestors', of: 'Api' } })), ['Web 2.0.0.0 <- Web', 'Web 1.0.0.0 <- Nano', 'Nano <- -']);
    assert.deepEqual(view(getImages(ctx, { names: ['N*'], related: { relation: 'ancestors', of: 'Api' } })), ['Nano <- -']);
    assert.deepEqual(getImages(ctx, { related: { relation: 'descendants', of: 'Core' } }), []);
  });

  it('gives the same images, parents and order from summaries as from whole records', () => {
    const brief = (xs: InstalledImage<ImageSummary>[]) => xs.map(({ image, parent, isOSImage }) => [image.id, image.name, image.version, parent?.id ?? null, isOSImage]);
    const queries: ImageQuery[] = [
      {},
      { names: ['w*'] },
      { names: ['Web'], version: undefined },
      { related: { relation: 'children', of: 'Nano' } },
      { related: { relation: 'descendants', of: 'N*' } },
      { related: { relation: 'ancestors', of: 'Api' } },
      { names: ['N*'], related: { relation: 'ancestors', of: 'Api' } },
    ];
    for (const q of queries) assert.deepEqual(brief(getImageSummaries(ctx, q)), brief(getImages(ctx, q)), JSON.stringify(q));
  });

  it('says which image was not found for a relation', () => {
    assert.throws(
      () => getImages(ctx, { related: { relation: 'ancestors', of: 'Nope*' } }),
      (err: unknown) => err instanceof CtrimgError && err.exitCode === 3 && err.code === 'IMAGE_NOT_FOUND' && /'Nope\*', the image whose ancestors/.test(err.message),
    );
  });

  it('gives the lineage of just-installed images', () => {
    const api = ctx.store.images.all().find((i) => i.name === 'Api')!;
    assert.deepEqual(view(lineageOf(ctx, [api, { id: 999 }])), ['Api <- Web']);
  });

  it('draws the forest with each image under its parent and its containers', () => {
    assert.deepEqual(imageForest(ctx).map(shape), [
      ['Core', [], []],
      ['Nano', [], [['Web', [], [['Web', ['site'], [['Api', [], []]]]]]]],
    ]);
  });
});
