/**
 * The listing order (ops/images.ts listingOrder) ranks names once; it must sort as comparing
 * the names with the collator each time would: case-insensitively, names equal but for case
 * ordered by newest version, then install order.
 */
import assert from 'node:assert/strict';
import { listingOrder } from '../../../src/ops/images.js';
import type { ImageRecord } from '../../../store/index.js';

const image = (id: number, name: string, version: string | null): ImageRecord => ({
  id, name, version, publisher: null, description: null, repository: `r/${id}`, tag: null, manifestDigest: `m${id}`,
  configDigest: `c${id}`, platform: 'linux/amd64', size: 0, created: null, installed: 'now', sourceId: null, parentId: null, pulled: true,
});

describe('listing order', () => {
  it('sorts by name ignoring case, then newest version, then install order', () => {
    const images = [
      image(1, 'web', '1.0'), image(2, 'Api', '2.0'), image(3, 'Web', '2.0'), image(4, 'api', '2.0'),
      image(5, 'web-tools', null), image(6, 'WEB', null), image(7, 'Cache_2', '1.0'), image(8, 'cache-1', '1.0'), image(9, 'Zed', '1.0'),
    ];
    const sorted = [...images].sort(listingOrder(images)).map((i) => i.id);
    // Api and api (2.0 both) by install order; web, Web, WEB: 2.0, then 1.0, then no version.
    assert.deepEqual(sorted.slice(0, 2), [2, 4]);
    assert.deepEqual(sorted.filter((id) => [1, 3, 6].includes(id)), [3, 1, 6]);
    // The collator decides the rest; compared name by name, it gives the same order.
    const collator = new Intl.Collator('en', { sensitivity: 'base' });
    const names = sorted.map((id) => images.find((i) => i.id === id)!.name);
    for (let i = 1; i < names.length; i++) assert.ok(collator.compare(names[i - 1]!, names[i]!) <= 0, `${names[i - 1]} before ${names[i]}`);
  });
});
