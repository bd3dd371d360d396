/** Version ranges as provisioning files write them: exact, one bound, both bounds; anything else is not a range. */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { formatVersionRange, matchesFilter, parseVersion, parseVersionRange } from '../../../src/image/version.js';

const range = (text: string) => {
  const f = parseVersionRange(text);
  return f && formatVersionRange(f);
};

describe('version ranges', () => {
  it('reads an exact version, a bound, or both bounds, in any order, with or without spaces and commas', () => {
    assert.equal(range('10.0.17763.1'), '10.0.17763.1');
    assert.equal(range('=1.0'), '1.0.0.0');
    assert.equal(range('>=10.0.17763'), '>=10.0.17763.0');
    assert.equal(range('<=2'), '<=2.0.0.0');
    assert.equal(range('>=1 <=2'), '>=1.0.0.0 <=2.0.0.0');
    assert.equal(range('<=2,>=1'), '>=1.0.0.0 <=2.0.0.0');
    assert.equal(range('>= 1 , <= 2'), '>=1.0.0.0 <=2.0.0.0');
    assert.equal(range('>=1.0.0-beta.1'), '>=1.0.0-beta.1');
  });

  it('is not a range: exclusive bounds, repeated bounds, an exact version with a bound, no version, or words', () => {
    for (const text of ['>1', '<2', '>=1 >=2', '1 <=2', '1 2', '', ' ', '>=banana', '>=1 <=2 <=3']) assert.equal(parseVersionRange(text), undefined, text);
  });

  it('refuses bounds that contradict each other (VERSION_RANGE_EMPTY)', () => {
    assert.throws(() => parseVersionRange('>=2 <=1'), (err: CtrimgError) => err.code === 'VERSION_RANGE_EMPTY');
  });

  it('bounds are inclusive, as -MinimumVersion and -MaximumVersion', () => {
    const f = parseVersionRange('>=10.0.17763 <=10.0.20348')!;
    assert.deepEqual(['10.0.17762.9', '10.0.17763', '10.0.20348.0', '10.0.20348.1'].map((v) => matchesFilter(parseVersion(v), f)), [false, true, true, false]);
  });
});
