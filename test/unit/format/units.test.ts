import assert from 'node:assert/strict';
import { formatBytes, formatUptime, plural } from '../../../src/format/units.js';

describe('format/units', () => {
  it('plural adds an s except for exactly one', () => {
    assert.equal(plural(0, 'unused layer'), '0 unused layers');
    assert.equal(plural(1, 'unused layer'), '1 unused layer');
    assert.equal(plural(3, 'blob'), '3 blobs');
  });

  it('formatUptime prints hh:mm:ss, with days as d.hh:mm:ss', () => {
    assert.equal(formatUptime(0), '00:00:00');
    assert.equal(formatUptime(59_999), '00:00:59');
    assert.equal(formatUptime((3 * 3600 + 4 * 60 + 5) * 1000), '03:04:05');
    assert.equal(formatUptime(((2 * 24 + 1) * 3600 + 30) * 1000), '2.01:00:30');
    assert.equal(formatUptime(-5000), '00:00:00');
  });

  it('formatBytes uses decimal units and three significant digits like docker images', () => {
    const cases: [number, string][] = [
      [0, '0B'],
      [999, '999B'],
      [1000, '1kB'],
      [1234, '1.23kB'],
      [12_345_678, '12.3MB'],
      [123_456_789, '123MB'],
      [1_500_000_000, '1.5GB'],
      [999_999, '1MB'],
    ];
    for (const [n, s] of cases) assert.equal(formatBytes(n), s, String(n));
  });

});
