/**
 * Listings sort names as Intl.Collator('en', { sensitivity: 'base' }) does; for printable ASCII
 * names ops/name-collation.ts compares them by a table instead of making the collator. Checked
 * against this Node's collator: every pair of characters, and random names, of printable ASCII.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nameComparer } from '../../../src/ops/name-collation.js';

const collator = new Intl.Collator('en', { sensitivity: 'base' });
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe('name collation', () => {
  const ascii = nameComparer(['Web', 'nano-server']);

  it('compares every two printable ASCII characters as the collator does', () => {
    assert.equal(nameComparer(['other', 'names']), ascii, 'printable ASCII names did not get the table');
    for (const a of PRINTABLE) {
      for (const b of PRINTABLE) assert.equal(Math.sign(ascii(a, b)), Math.sign(collator.compare(a, b)), `${JSON.stringify(a)} against ${JSON.stringify(b)}`);
    }
  });

  it('compares printable ASCII names as the collator does', () => {
    // Names alike enough to reach deep: a few characters, the same ones often.
    const name = fc.array(fc.constantFrom(...PRINTABLE.slice(0, 40), 'a', 'A', 'b', 'B', '-', '_', '1', '9'), { maxLength: 8 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(name, name, (a, b) => Math.sign(ascii(a, b)) === Math.sign(collator.compare(a, b))),
      { numRuns: 20_000 },
    );
  });

  it('uses the collator when any name is not printable ASCII', () => {
    const compare = nameComparer(['Web', 'Wébsite']);
    assert.equal(compare('e', 'É'), 0);
    assert.equal(Math.sign(compare('Wébsite', 'Webz')), Math.sign(collator.compare('Wébsite', 'Webz')));
    assert.notEqual(nameComparer(['tab\there']), ascii);
  });
});
