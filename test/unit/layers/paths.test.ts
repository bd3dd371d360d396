import assert from 'node:assert/strict';
import { cleanParts } from '../../../src/layers/paths.js';

describe('layers/paths', () => {
  describe('cleanParts', () => {
    it('cleans as Go cleans a rooted path: absolute names rooted, .. clamped at the root (containerd TestBreakouts)', () => {
      const cases: Array<[string, string[]]> = [
        ['/etc/passwd', ['etc', 'passwd']],
        ['../x', ['x']],
        ['a/../../x', ['x']],
        ['./../x', ['x']],
        ['a/b/../c/./d/', ['a', 'c', 'd']],
        ['//usr//lib', ['usr', 'lib']],
        ['a/..', []],
        ['./', []],
        ['..', []],
        ['', []],
        ['..wh..x/..y', ['..wh..x', '..y']],
      ];
      for (const [name, parts] of cases) assert.deepEqual(cleanParts(name), parts, name);
    });

    it('keeps every byte of a name that is not UTF-8', () => {
      const name = Buffer.from([0x61, 0x2f, 0xff, 0xfe, 0x2f, 0x2e, 0x2e, 0x2f, 0xe9]).toString('latin1');
      assert.deepEqual(cleanParts(name).map((p) => [...Buffer.from(p, 'latin1')]), [[0x61], [0xe9]]);
      assert.deepEqual(cleanParts('\xff/\xfe'), ['\xff', '\xfe']);
    });
  });
});
