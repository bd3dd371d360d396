import assert from 'node:assert/strict';
import { isWildcard, matchesAny, wildcardRegExp } from '../../../src/ops/wildcard.js';

describe('PowerShell wildcards', () => {
  const cases: [string, string, boolean][] = [
    ['Nano*', 'NanoServer', true],
    ['nano*', 'NanoServer', true],
    ['*Server', 'ServerCore', false],
    ['Server?ore', 'ServerCore', true],
    ['Server?ore', 'Server_ore_', false],
    ['[NS]*', 'servercore', true],
    ['[a-c]*', 'NanoServer', false],
    ['web.app', 'webXapp', false],
    ['a+b', 'a+b', true],
    ['[unclosed', '[unclosed', true],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${name}'`, () => {
      assert.equal(wildcardRegExp(pattern).test(name), expected);
    });
  }

  it('treats no patterns as matching everything and any pattern as enough', () => {
    assert.equal(matchesAny('x', undefined), true);
    assert.equal(matchesAny('x', []), true);
    assert.equal(matchesAny('WebApp', ['Nano*', 'web*']), true);
    assert.equal(matchesAny('WebApp', ['Nano*']), false);
  });

  it('tells wildcards from plain names', () => {
    assert.equal(isWildcard('Nano*'), true);
    assert.equal(isWildcard('NanoServer'), false);
  });
});
