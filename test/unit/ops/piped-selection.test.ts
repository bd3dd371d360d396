/**
 * Selecting the images and containers objects piped in name, over records written straight into
 * a store: an object whose image or container is gone matches nothing, and is returned with its
 * own not-found error while the others are still found (each piped object is its own operation);
 * a container object with an Id matches that container only, never another made since under the
 * same name.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { findContainers, selectContainers } from '../../../src/ops/containers.js';
import { findImages, selectImages } from '../../../src/ops/images.js';
import type { ContainerRecord, ImageRecord } from '../../../store/index.js';
import { addImage } from '../../support/lineage.js';
import { quietContext } from '../../support/stores.js';

describe('selecting piped objects', () => {
  let root: string;
  let ctx: OpsContext;
  let base: ImageRecord;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-piped-select-'));
    ctx = await quietContext(root);
    base = addImage(ctx.store, 'Base', ['a']);
  });
  afterEach(async () => {
    await ctx.close();
    await rm(root, { recursive: true, force: true });
  });

  const notFoundError = (err: unknown, code: string, message: string) => {
    assert.ok(err instanceof CtrimgError);
    assert.deepEqual([err.code, err.exitCode, err.message], [code, 3, message]);
  };

  describe('containers', () => {
    const cid = (c: string) => c.repeat(64);
    const container = (c: string, name: string): ContainerRecord =>
      ctx.store.containers.add({ cid: cid(c), name, imageId: base.id, state: 'Off', created: 'now' })!;
    const cids = (views: { container: ContainerRecord }[]) => views.map((v) => v.container.cid);

    it('an object with an Id matches only that container, not one made since under its name', () => {
      const old = container('a', 'a1');
      ctx.store.containers.remove(old);
      container('b', 'a1');
      const { found, missing } = findContainers(ctx, [{ id: cid('a'), name: 'a1' }]);
      assert.deepEqual(found, []);
      assert.equal(missing.length, 1);
      notFoundError(missing[0]!.error, 'CONTAINER_NOT_FOUND', `no container with id ${cid('a')} (a1): the container named 'a1' now is another one, made since it was listed`);
      assert.throws(() => selectContainers(ctx, [{ id: cid('a'), name: 'a1' }]), { code: 'CONTAINER_NOT_FOUND' });
    });

    it('the name selects only when no Id is given, in any case', () => {
      container('b', 'Web1');
      assert.deepEqual(cids(selectContainers(ctx, [{ name: 'web1' }])), [cid('b')]);
      assert.deepEqual(cids(selectContainers(ctx, [{ id: cid('b'), name: 'other' }])), [cid('b')], 'the Id decides, whatever the name says');
    });

    it('finds the others when some are gone, each once, naming each missing one without raw JSON', () => {
      container('b', 'b1');
      container('c', 'c1');
      const { found, missing } = findContainers(ctx, [{ id: cid('c'), name: 'c1' }, { id: cid('d'), name: 'd1' }, { id: cid('b'), name: 'b1' }, { name: 'gone' }, { name: 'C1' }]);
      assert.deepEqual(cids(found), [cid('c'), cid('b')]);
      assert.deepEqual(missing.map((m) => m.selector), [{ id: cid('d'), name: 'd1' }, { name: 'gone' }]);
      notFoundError(missing[0]!.error, 'CONTAINER_NOT_FOUND', `no container with id ${cid('d')} (d1)`);
      notFoundError(missing[1]!.error, 'CONTAINER_NOT_FOUND', "no container named 'gone'");
    });
  });

  describe('images', () => {
    it('finds the others when some are gone, each once, with a not-found error per missing selector', () => {
      const web = addImage(ctx.store, 'WebApp', ['a', 'w']);
      const api = addImage(ctx.store, 'Api', ['a', 'p']);
      const stale = { by: 'manifest' as const, repository: 'r/old', digest: 'sha256:' + '0'.repeat(64) };
      const { found, missing } = findImages(ctx, [{ by: 'id', id: api.configDigest }, stale, { by: 'name', name: 'WebApp' }, { by: 'id', id: api.configDigest }]);
      assert.deepEqual(found.map((i) => i.name), ['Api', 'WebApp']);
      assert.deepEqual(missing.map((m) => m.selector), [stale]);
      notFoundError(missing[0]!.error, 'IMAGE_NOT_FOUND', `no installed image matches r/old@sha256:${'0'.repeat(64)}`);
      assert.throws(() => selectImages(ctx, [{ by: 'id', id: web.configDigest }, stale]), { code: 'IMAGE_NOT_FOUND' });
    });
  });
});
