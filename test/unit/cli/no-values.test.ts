/**
 * A command line with no parameters is answered without yargs (resolve.ts withoutValues): it
 * must be what yargs would have made of it, for every real cmdlet, and refuse what has values.
 */
import assert from 'node:assert/strict';
import { cmdlets } from '../../../cmdlets/index.js';
import { parseParameters } from '../../../src/cli/parse.js';
import { resolveParameters, withoutValues } from '../../../src/cli/resolve.js';

describe('parsing no parameters', () => {
  for (const spec of cmdlets) {
    it(`${spec.name}: gives what yargs gives, or the same error`, () => {
      let expected: unknown;
      try {
        expected = parseParameters(spec.params, [], spec.parameterSets);
      } catch (err) {
        // A cmdlet with required parameters: resolving alone must refuse the same way.
        assert.throws(() => resolveParameters(spec.params, [], spec.parameterSets), { message: (err as Error).message });
        return;
      }
      assert.deepEqual(withoutValues(resolveParameters(spec.params, [], spec.parameterSets)), expected);
    });
  }

  it('refuses to stand in for yargs when values were given', () => {
    const get = cmdlets.find((c) => c.name === 'Get-ContainerImage')!;
    assert.throws(() => withoutValues(resolveParameters(get.params, ['-Name', 'x'], get.parameterSets)));
  });
});
