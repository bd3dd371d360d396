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
import { addImage, modelParents, parentIdsOf, type ModelImage } from '../../support/lineage.js';

describe('store lineage: descendants with their parents', () => {
  let dir: string;
  let store: Store;
  let base: ImageRecord, twin: ImageRecord;
  /** Each image's chain, for the rule computed without the store (test/support/lineage.ts). */
  let models: ModelImage[];
  const add = (name: string, layers: string[], extra: Partial<ImageRecord> = {}) => {
    const image = addImage(store, name, layers, extra);
    models.push({ id: image.id, chain: layers });
    return image;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-descendants-'));
    store = Store.open(join(dir, 'ctrimg.db'));
    models = [];
    base = add('base', ['a', 'b']);
    add('mid', ['a', 'b', 'c']);
    // Same chain as mid, installed later: mid owns the top, so mid is the parent below it.
    twin = add('mid-twin', ['a', 'b', 'c'], { repository: 'r/twin', manifestDigest: `sha256:${'1'.repeat(64)}` });
    // Two layers above mid with no image between: still mid's child.
    add('leaf', ['a', 'b', 'c', 'd', 'e']);
    add('sibling', ['a', 'b', 'x']);
    add('deep', ['a', 'b', 'c', 'd', 'e', 'f']);
    add('unrelated', ['z']);
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

  it('gives each descendant its parent by the rule, the lowest id among twins, as the store keeps it', () => {
    const found = store.lineage.descendantSummaries([base.id]);
    const rule = modelParents(models);
    assert.deepEqual(new Map(found.map((d) => [d.id, d.parentId])), new Map(found.map((d) => [d.id, rule.get(d.id)])));
    assert.deepEqual(parentIdsOf(store), new Map([...rule].filter((e): e is [number, number] => e[1] !== null)));
    assert.ok(!found.some((d) => d.parentId === twin.id), 'a twin that does not own its top is nobody\'s parent');
    assert.equal(found.length, 5);
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
