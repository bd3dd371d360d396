/**
 * Selecting images by -Name asks the store only for the names that begin with each pattern's
 * text before its first wildcard (ops/images.ts candidates, store namesStartingWith). That must
 * never lose an image the wildcard matches: over names that differ by case, by letters beyond
 * ASCII whose case folds onto ASCII ones (ſ, K, ı, İ), by LIKE's own wildcards and by the last
 * ASCII characters, every random pattern set selects what matching every name would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { getImages, getImageSummaries } from '../../../src/ops/images.js';
import { storeContext, type StoreContext } from '../../../src/ops/store-context.js';
import { literalPrefix, matchesAny } from '../../../src/ops/wildcard.js';
import { Store } from '../../../store/index.js';
import { addImage } from '../../support/lineage.js';

const NAMES = [
  'Web', 'web-app', 'WEB_api', 'Wébsite', 'wÉb', 'webx', 'ſerver', 'Server', 'server2', 'SERVER', 'Kelvin', '\u212Aelvin', 'kelvin',
  'ıdx', 'Idx', 'idx', 'İdx', 'a[b]c', 'a*b', 'a%b', 'a_b', 'aXb', 'Nano', 'nanoserver', 'NanoServer', 'näno', 'x~y', 'x\u007fz', 'x\u0080z', '~', 'ÿ',
  // NOCASE stops comparing at a NUL: such a prefix must not go to the index.
  'a\u0000b', 'a\u0000bc', 'a\tb',
];
const CHARS = ['\u0000', '\t', '*', '?', '[', ']', 'a', 'b', 'w', 'W', 'e', 'E', 'b', 's', 'S', 'ſ', 'k', 'K', '\u212A', 'i', 'I', 'ı', 'İ', 'd', 'x', 'X', 'é', 'É', '%', '_', '~', '\u007f', 'n', 'N'];

describe('selecting images by name through the index on names', () => {
  let dir: string;
  let store: Store;
  let ctx: StoreContext;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-candidates-'));
    store = Store.open(join(dir, 'ctrimg.db'));
    NAMES.forEach((name, i) => addImage(store, name, [`l${i}`]));
    ctx = storeContext(dir, store, { report: { info: () => {}, warn: () => {}, debug: () => {} }, signal: new AbortController().signal });
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the names that begin with a prefix, ASCII letters in any case, other characters exactly', () => {
    const names = (prefix: string) => store.images.namesStartingWith(prefix).map((i) => i.name).sort();
    assert.deepEqual(names('WEB'), ['WEB_api', 'Web', 'web-app', 'webx'].sort());
    assert.deepEqual(names('a%'), ['a%b']);
    assert.deepEqual(names('a_'), ['a_b']);
    assert.deepEqual(names('x~'), ['x~y']);
    assert.deepEqual(names('x\u007f'), ['x\u007fz']);
    // Folded before the bound is made: 'Z' + 1 is '[', below the 'z' NOCASE compares it as.
    assert.deepEqual(names('X\u007fZ'), ['x\u007fz']);
    assert.deepEqual(names('~'), ['~']);
    assert.equal(names('').length, NAMES.length);
  });

  it('selects what matching every name selects, for any patterns', () => {
    const pattern = fc.array(fc.constantFrom(...CHARS), { maxLength: 5 }).map((cs) => cs.join(''));
    // Patterns made from the names too, their case flipped and a wildcard put in, so most match something.
    const fromName = fc
      .tuple(fc.constantFrom(...NAMES), fc.nat(), fc.boolean(), fc.constantFrom('*', '?', ''))
      .map(([n, at, flip, w]) => {
        const cut = n.slice(0, at % (n.length + 1));
        return (flip ? cut.toUpperCase() : cut.toLowerCase()) + w;
      });
    fc.assert(
      fc.property(fc.array(fc.oneof(pattern, fromName), { minLength: 1, maxLength: 3 }), (patterns) => {
        const expected = NAMES.filter((n) => matchesAny(n, patterns)).sort();
        assert.deepEqual(getImages(ctx, { names: patterns }).map((i) => i.image.name).sort(), expected, `patterns ${JSON.stringify(patterns)}`);
        assert.deepEqual(getImageSummaries(ctx, { names: patterns }).map((i) => i.image.name).sort(), expected, `patterns ${JSON.stringify(patterns)}`);
      }),
      { numRuns: 400 },
    );
  });

  it('takes the text before the first wildcard as the prefix', () => {
    assert.equal(literalPrefix('Nano*'), 'Nano');
    assert.equal(literalPrefix('Se?ver'), 'Se');
    assert.equal(literalPrefix('[NS]ano'), '');
    assert.equal(literalPrefix('Plain'), 'Plain');
  });
});
