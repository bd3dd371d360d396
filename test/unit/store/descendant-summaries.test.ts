/**
 * Lineage walked downward. store.lineage.descendantSummaries: the descendants found walking down
 * from images, each with its generation and its parent, must be what descendants() and the
 * parents the store keeps answer on their own: a listing of descendants takes those instead of
 * asking again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type ImageRecord } from '../../../store/index.js';
import { addImage, parentIdsOf } from '../../support/lineage.js';

describe('store lineage: descendants with their parents', () => {
  let dir: string;
  let store: Store;
  let base: ImageRecord, twin: ImageRecord;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-descendants-'));
    store = Store.open(join(dir, 'ctrimg.db'));
    base = addImage(store, 'base', ['a', 'b']);
    addImage(store, 'mid', ['a', 'b', 'c']);
    // Same chain as mid, installed later: mid owns the top, so mid is the parent below it.
    twin = addImage(store, 'mid-twin', ['a', 'b', 'c'], { repository: 'r/twin', manifestDigest: `sha256:${'1'.repeat(64)}` });
    // Two layers above mid with no image between: still mid's child.
    addImage(store, 'leaf', ['a', 'b', 'c', 'd', 'e']);
    addImage(store, 'sibling', ['a', 'b', 'x']);
    addImage(store, 'deep', ['a', 'b', 'c', 'd', 'e', 'f']);
    addImage(store, 'unrelated', ['z']);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives descendants in the order descendants() does, with their generations', () => {
    assert.deepEqual(
      store.lineage.descendantSummaries([base.id]).map((d) => [d.id, d.generation]),
      store.lineage.descendants(base.id).map((d) => [d.image.id, d.generation]),
    );
    assert.equal(store.lineage.descendantSummaries([base.id]).length, 5);
    assert.deepEqual(
      store.lineage.descendantSummaries([base.id]).map(({ id, name, publisher, version }) => ({ id, name, publisher, version })),
      store.lineage.descendants(base.id).map(({ image: { id, name, publisher, version } }) => ({ id, name, publisher, version })),
    );
  });

  it('gives each descendant the parent the store keeps for it, the lowest id among twins', () => {
    const found = store.lineage.descendantSummaries([base.id]);
    assert.deepEqual(new Map(found.map((d) => [d.id, d.parentId])), parentIdsOf(store, found.map((d) => d.id)));
    assert.ok(!found.some((d) => d.parentId === twin.id), 'a twin that does not own its top is nobody\'s parent');
    assert.equal(parentIdsOf(store).size, 5);
  });

  it('walks below several images at once, each descendant once per image it descends from', () => {
    const mid = store.images.names().find((i) => i.name === 'mid')!;
    const both = store.lineage.descendantSummaries([base.id, mid.id]).map((d) => [d.name, d.generation, d.parentId]);
    const apart = [...store.lineage.descendantSummaries([base.id]), ...store.lineage.descendantSummaries([mid.id])].map((d) => [d.name, d.generation, d.parentId]);
    const byName = (a: unknown[], b: unknown[]) => String(a).localeCompare(String(b));
    assert.deepEqual([...both].sort(byName), [...apart].sort(byName));
    // leaf: a grandchild of base, a child of mid; its parent is mid either way.
    assert.deepEqual(both.filter((d) => d[0] === 'leaf').map((d) => d[1]).sort(), [1, 2]);
  });

  it('finds none below an image that does not own its top, nor below a leaf', () => {
    assert.deepEqual(store.lineage.descendantSummaries([twin.id]), []);
    const deep = store.images.names().find((i) => i.name === 'deep')!;
    assert.deepEqual(store.lineage.descendantSummaries([deep.id]), []);
  });
});
