import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { cleanParts, entryPath } from '../../../src/layers/paths.js';

const isCode = (code: string) => (err: unknown) => err instanceof CtrimgError && err.code === code;

describe('layers/paths', () => {
  describe('entryPath', () => {
    it('normalizes ./ prefixes, . components, doubled and trailing slashes', () => {
      assert.equal(entryPath('./usr/bin/'), 'usr/bin');
      assert.equal(entryPath('usr//./lib/x'), 'usr/lib/x');
      assert.equal(entryPath('./'), '');
      assert.equal(entryPath('..wh..x/..y'), '..wh..x/..y');
    });

    it('refuses absolute names and .. components with UNSAFE_TAR naming the entry', () => {
      for (const name of ['/etc/passwd', '../x', 'a/../../x', 'a/..', './../x']) {
        assert.throws(() => entryPath(name), (err: unknown) => isCode('UNSAFE_TAR')(err) && (err as Error).message.includes(`'${name}'`), name);
      }
    });
  });

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
