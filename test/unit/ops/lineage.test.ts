import assert from 'node:assert/strict';
import { childrenOf, parentsOf } from '../../../src/ops/lineage.js';
import type { ImageWithChain } from '../../../store/index.js';

const image = (id: number, chain: string[]): ImageWithChain => ({
  id, chain, name: `i${id}`, publisher: null, version: null, description: null, repository: 'r', tag: null,
  manifestDigest: `m${id}`, configDigest: `c${id}`, platform: 'linux/amd64', size: 0, created: null,
  installed: 'now', sourceId: null,
});

describe('lineage from layer chains', () => {
  const base = image(1, ['a', 'b', 'c']);
  const mid = image(2, ['a', 'b', 'c', 'd']);
  const leaf = image(3, ['a', 'b', 'c', 'd', 'e']);
  const sibling = image(4, ['a', 'b', 'c', 'x']);
  const unrelated = image(5, ['z']);
  const twin = image(6, ['a', 'b', 'c']);

  it('picks the longest strict prefix as parent and none for an OS image', () => {
    const p = parentsOf([base, mid, leaf, sibling, unrelated]);
    assert.equal(p.get(1), null);
    assert.equal(p.get(2)?.id, 1);
    assert.equal(p.get(3)?.id, 2);
    assert.equal(p.get(4)?.id, 1);
    assert.equal(p.get(5), null);
  });

  it('never makes an image with an identical chain a parent, and breaks ties by install order', () => {
    const p = parentsOf([base, twin, mid]);
    assert.equal(p.get(1), null);
    assert.equal(p.get(6), null);
    assert.equal(p.get(2)?.id, 1);
  });

  it('moves a child to the next ancestor when its parent is gone', () => {
    assert.equal(parentsOf([base, leaf]).get(3)?.id, 1);
  });

  it('lists direct children only', () => {
    assert.deepEqual(childrenOf(1, [base, mid, leaf, sibling]).map((i) => i.id), [2, 4]);
    assert.deepEqual(childrenOf(3, [base, mid, leaf]).map((i) => i.id), []);
  });
});
