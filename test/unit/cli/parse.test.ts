import assert from 'node:assert/strict';
import { resolveParam } from '../../../src/cli/names.js';
import { parseParameters } from '../../../src/cli/parse.js';
import type { ParamSpec } from '../../../src/cli/types.js';
import { CtrimgError } from '../../../src/errors.js';

const params: ParamSpec[] = [
  { name: 'Name', type: 'string[]', positional: true, description: '' },
  { name: 'MinimumVersion', type: 'string', description: '' },
  { name: 'MaximumVersion', type: 'string', description: '' },
  { name: 'WhatIf', type: 'switch', description: '' },
];

describe('parseParameters', () => {
  it('resolves exact names before prefixes', () => {
    const p: ParamSpec[] = [
      { name: 'Name', type: 'string', description: '' },
      { name: 'Namespace', type: 'string', description: '' },
    ];
    assert.equal(resolveParam(p, 'name').name, 'Name');
    assert.equal(resolveParam(p, 'names').name, 'Namespace');
  });

  it("never suggests '-?' for a short unknown name", () => {
    const withHelp: ParamSpec[] = [...params, { name: 'Help', type: 'switch', aliases: ['?'], description: '' }];
    assert.throws(() => resolveParam(withHelp, 'Re'), (e: unknown) => e instanceof CtrimgError && !e.message.includes("'-?'"));
  });

  it('reports an ambiguous prefix as a usage error', () => {
    assert.throws(() => parseParameters(params, ['-M', '1']), (e: unknown) => {
      assert.ok(e instanceof CtrimgError);
      assert.equal(e.kind, 'usage');
      assert.equal(e.message, "parameter '-M' is ambiguous; it could be -MinimumVersion, -MaximumVersion");
      return true;
    });
  });

  it('separates common parameters from the cmdlet arguments', () => {
    const { args, common } = parseParameters(params, ['nano', '-Min', '1.0', '-WhatIf', '--json', '-Verbose']);
    assert.deepEqual(args, { Name: ['nano'], MinimumVersion: '1.0', MaximumVersion: undefined, WhatIf: true });
    // The cmdlet's own -WhatIf is its argument: the common one exists only where the CLI adds it.
    assert.deepEqual(common, { outputFormat: 'Json', debug: false, quiet: false, verbose: true, help: false, errorAction: 'Continue', whatIf: false, confirm: undefined });
  });

  describe('risk and error parameters', () => {
    const own = params.filter((p) => p.name !== 'WhatIf');

    it('a state-changing cmdlet takes -WhatIf, -Confirm and -Confirm:$false as common parameters', () => {
      const given = parseParameters(own, ['nano', '-WhatIf', '-Confirm'], undefined, 'High');
      assert.deepEqual([given.common.whatIf, given.common.confirm], [true, true]);
      assert.equal('WhatIf' in given.args || 'Confirm' in given.args, false);
      assert.equal(parseParameters(own, ['nano', '-Confirm:$false'], undefined, 'Medium').common.confirm, false);
      assert.equal(parseParameters(own, ['nano', '--confirm=false'], undefined, 'High').common.confirm, false);
      assert.equal(parseParameters(own, ['nano'], undefined, 'High').common.confirm, undefined, 'absent is neither yes nor no');
    });

    it('a cmdlet that changes nothing does not know -WhatIf or -Confirm', () => {
      for (const p of ['-WhatIf', '-Confirm:$false']) {
        assert.throws(() => parseParameters(own, ['nano', p]), (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && /^unknown parameter/.test(e.message));
      }
    });

    it('-ErrorAction and its alias -EA take Continue, Stop or SilentlyContinue, whatever the case', () => {
      assert.equal(parseParameters(own, ['-EA', 'stop']).common.errorAction, 'Stop');
      assert.equal(parseParameters(own, ['-ErrorAction:SilentlyContinue']).common.errorAction, 'SilentlyContinue');
      assert.throws(() => parseParameters(own, ['-ErrorAction', 'Inquire']), /valid values are Continue, Stop, SilentlyContinue/);
    });
  });

  it('drops empty pieces of a comma list', () => {
    assert.deepEqual(parseParameters(params, ['-Name', 'a,,b,']).args.Name, ['a', 'b']);
  });
});
