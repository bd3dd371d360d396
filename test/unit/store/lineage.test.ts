import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Store, type ImageRecord } from '../../../store/index.js';
import { addImage, modelParents, modelRelatives, parentIdsOf, parentOf, type ModelImage } from '../../support/lineage.js';

const ids = (images: ImageRecord[]) => images.map((i) => i.id);

describe('store lineage queries', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-lineage-'));
    store = Store.open(join(dir, 'ctrimg.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a family with a deep chain, siblings, a shared base and an unrelated image', () => {
    let base: ImageRecord, mid: ImageRecord, leaf: ImageRecord, sibling: ImageRecord, unrelated: ImageRecord;
    beforeEach(() => {
      base = addImage(store, 'base', ['a', 'b', 'c']);
      mid = addImage(store, 'mid', ['a', 'b', 'c', 'd']);
      leaf = addImage(store, 'leaf', ['a', 'b', 'c', 'd', 'e', 'f']);
      sibling = addImage(store, 'sibling', ['a', 'b', 'c', 'x']);
      unrelated = addImage(store, 'unrelated', ['z']);
    });

    it('gives every parent in one pass: the longest strict prefix, none for OS images', () => {
      assert.deepEqual(parentIdsOf(store), new Map([[mid.id, base.id], [leaf.id, mid.id], [sibling.id, base.id]]));
      assert.deepEqual(parentIdsOf(store, [leaf.id, unrelated.id]), new Map([[leaf.id, mid.id]]));
      assert.equal(parentOf(store, leaf.id)?.name, 'mid');
      assert.equal(parentOf(store, base.id), undefined);
    });

    it('lists direct children, all descendants and ancestors nearest first', () => {
      assert.deepEqual(ids(store.lineage.children(base.id)), [mid.id, sibling.id]);
      assert.deepEqual(ids(store.lineage.children(mid.id)), [leaf.id]);
      assert.deepEqual(ids(store.lineage.children(leaf.id)), []);
      assert.deepEqual(store.lineage.descendants(base.id).map((d) => [d.image.name, d.generation]), [['mid', 1], ['sibling', 1], ['leaf', 2]]);
      assert.deepEqual(store.lineage.descendants(unrelated.id), []);
      assert.deepEqual(ids(store.lineage.ancestors(leaf.id)), [mid.id, base.id]);
      assert.deepEqual(ids(store.lineage.ancestors(base.id)), []);
    });

    it('moves a child to the next ancestor when its parent is removed', () => {
      store.images.remove(mid);
      assert.equal(parentOf(store, leaf.id)?.id, base.id);
      assert.deepEqual(ids(store.lineage.children(base.id)), [leaf.id, sibling.id]);
    });

    it('names containers of any state and child images as dependents', () => {
      for (const [i, state] of (['Off', 'Running', 'Stopped'] as const).entries()) {
        store.containers.add({ cid: `${i}`.repeat(64), name: `c${i}`, imageId: mid.id, state, created: 'now' });
      }
      const deps = store.lineage.dependents(mid.id);
      assert.deepEqual(deps.containers.map((c) => [c.name, c.state]), [['c0', 'Off'], ['c1', 'Running'], ['c2', 'Stopped']]);
      assert.deepEqual(ids(deps.children), [leaf.id]);
      assert.deepEqual(store.lineage.dependents(leaf.id), { containers: [], children: [] });
    });

    it('counts the layers of each chain', () => {
      assert.deepEqual(store.lineage.chainLengths([base.id, leaf.id, unrelated.id]), new Map([[base.id, 3], [leaf.id, 6], [unrelated.id, 1]]));
    });
  });

  describe('images with the same chain', () => {
    it('are never each other’s parent; their children go to the one installed first, which alone has children', () => {
      const first = addImage(store, 'first', ['a', 'b']);
      const twin = addImage(store, 'twin', ['a', 'b']);
      const child = addImage(store, 'child', ['a', 'b', 'c']);
      const grandchild = addImage(store, 'grandchild', ['a', 'b', 'c', 'd']);
      const childTwin = addImage(store, 'childTwin', ['a', 'b', 'c']);
      assert.deepEqual(parentIdsOf(store), new Map([[child.id, first.id], [grandchild.id, child.id], [childTwin.id, first.id]]));
      assert.deepEqual(ids(store.lineage.children(first.id)), [child.id, childTwin.id]);
      assert.deepEqual(ids(store.lineage.children(twin.id)), []);
      assert.deepEqual(store.lineage.descendants(twin.id), []);
      assert.deepEqual(ids(store.lineage.ancestors(childTwin.id)), [first.id]);
      store.images.remove(first);
      assert.equal(parentOf(store, child.id)?.id, twin.id, 'the twin takes over once the first is gone');
    });

    it('break a tie by install order even when the later one has the lower name', () => {
      const later = addImage(store, 'b-first-installed', ['a']);
      addImage(store, 'a-second', ['a']);
      const child = addImage(store, 'child', ['a', 'x']);
      assert.equal(parentOf(store, child.id)?.id, later.id);
    });
  });

  it('fills the parent of a layer recorded before any image used it, and refuses a chain id that names two stacks', () => {
    store.layers.ensure({ chainId: 'sha256:' + 'b'.repeat(64), diffId: 'd', blobDigest: 'x', mediaType: 'm', size: 1, contentBytes: 1 });
    const a = addImage(store, 'a', ['a']);
    const stray = store.layers.byChainId('sha256:' + 'b'.repeat(64))!;
    const bottom = store.layers.ofImage(a.id)[0]!;
    const img = (name: string) => ({ name, publisher: null, version: null, description: null, repository: name, tag: null, manifestDigest: name, configDigest: name, platform: 'p', size: 1, created: null, installed: 'now', sourceId: null, pulled: true });
    const child = store.transaction(() => store.images.add(img('child'), [bottom.id, stray.id]));
    assert.equal(parentOf(store, child.id)?.id, a.id);
    assert.throws(() => store.transaction(() => store.images.add(img('liar'), [stray.id])), /names two different layer stacks/);
    assert.equal(store.images.byManifest('liar', 'liar'), undefined, 'nothing of the refused image stays');
  });

  it('an image without layers is an OS image and no one’s parent', () => {
    const empty = addImage(store, 'empty', []);
    const other = addImage(store, 'other', ['a']);
    assert.deepEqual(parentIdsOf(store), new Map());
    assert.deepEqual(store.lineage.children(empty.id), []);
    assert.deepEqual(store.lineage.ancestors(other.id), []);
  });

  it('answers as the pairwise rule does over random families, installs and removals', () => {
    const step = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), from: fc.nat(), cut: fc.nat(), extra: fc.integer({ min: 0, max: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), which: fc.nat() }) },
    );
    let run = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const s = Store.open(join(dir, `p${run++}.db`));
        try {
          const model: (ModelImage & { record: ImageRecord })[] = [];
          let fresh = 0;
          for (const st of steps) {
            if (st.kind === 'remove') {
              if (model.length === 0) continue;
              const [gone] = model.splice(st.which % model.length, 1);
              s.images.remove(gone!.record);
              continue;
            }
            const from = model.length === 0 ? [] : model[st.from % model.length]!.chain;
            // A prefix of another image (all of it: a twin), then new layers on top.
            const chain = [...from.slice(0, from.length === 0 ? 0 : 1 + (st.cut % from.length)), ...Array.from({ length: st.extra }, () => `n${fresh++}`)];
            if (chain.length === 0) chain.push(`n${fresh++}`);
            const record = addImage(s, `i${fresh++}`, chain);
            model.push({ id: record.id, chain, record });
          }
          const parents = modelParents(model);
          const expected = new Map([...parents].filter((e): e is [number, number] => e[1] !== null));
          assert.deepEqual(parentIdsOf(s), expected);
          const relatives = new Map(model.map((img) => [img.id, modelRelatives(parents, img.id)]));
          for (const img of model) {
            const rel = relatives.get(img.id)!;
            assert.deepEqual(ids(s.lineage.children(img.id)), rel.children, `children of ${img.id}`);
            const descendants = s.lineage.descendants(img.id);
            assert.deepEqual(descendants.map((d) => d.image.id).sort((a, b) => a - b), rel.descendants, `descendants of ${img.id}`);
            for (const d of descendants) assert.equal(d.generation, relatives.get(d.image.id)!.ancestors.indexOf(img.id) + 1, `generation of ${d.image.id}`);
            assert.deepEqual(ids(s.lineage.ancestors(img.id)), rel.ancestors, `ancestors of ${img.id}`);
          }
        } finally {
          s.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
