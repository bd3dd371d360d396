import assert from 'node:assert/strict';
import { formatG, humanSize, humanSizeWithPrecision } from '../../../../src/format/docker/units.js';

describe('format/docker/units (go-units sizes, Go %g)', () => {
  it('prints SIZE with 3 significant digits in decimal units, as docker images does', () => {
    const cases: [number, string][] = [
      [0, '0B'],
      [999, '999B'],
      [1000, '1kB'],
      [1234, '1.23kB'],
      [999_499, '999kB'],
      // 999.5 rounds half to even, up to 1000, which %g writes in exponent form: docker's own quirk.
      [999_500, '1e+03kB'],
      [999_999, '1e+03kB'],
      [1_000_000, '1MB'],
      [44_900_000, '44.9MB'],
      [44_949_999, '44.9MB'],
      // 44.95 is 44.950000000000003 as a double: it rounds up.
      [44_950_000, '45MB'],
      [1.5e9, '1.5GB'],
      [1e24, '1YB'],
      // YB is the last unit: the division stops there.
      [1e27, '1e+03YB'],
    ];
    for (const [n, s] of cases) assert.equal(humanSizeWithPrecision(n, 3), s, String(n));
  });

  it('rounds an exact half to even, as Go does (JavaScript rounds it up)', () => {
    assert.equal(humanSizeWithPrecision(998_500, 3), '998kB');
    assert.equal(humanSizeWithPrecision(997_500, 3), '998kB');
    assert.equal((998.5).toPrecision(3), '999', 'JavaScript would differ here');
  });

  it('HumanSize keeps 4 significant digits', () => {
    assert.equal(humanSize(44_912_345), '44.91MB');
    assert.equal(humanSize(999_950), '1000kB');
    assert.equal(humanSize(12_500), '12.5kB');
  });

  it("formatG is Go's %.<p>g: exponent form below 1e-4 and from 10^precision on, trailing zeros dropped", () => {
    const cases: [number, number, string][] = [
      [0.0001, 3, '0.0001'],
      [0.00001, 3, '1e-05'],
      [123456, 3, '1.23e+05'],
      [100, 3, '100'],
      [0.125, 2, '0.12'],
      [0.375, 2, '0.38'],
      [1.5, 0, '2'],
      [2.5, 0, '2'],
      [-1234, 3, '-1.23e+03'],
      [5e-324, 3, '4.94e-324'],
      [Number.MAX_VALUE, 3, '1.8e+308'],
      [1e21, 3, '1e+21'],
      [1e-7, 2, '1e-07'],
      [0, 3, '0'],
      [-0, 3, '-0'],
    ];
    for (const [v, p, s] of cases) assert.equal(formatG(v, p), s, `${v} %.${p}g`);
    assert.throws(() => formatG(Infinity, 3), RangeError);
    assert.throws(() => humanSizeWithPrecision(NaN, 3), RangeError);
  });
});
