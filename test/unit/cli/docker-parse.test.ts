/** docker-style verbs take their flags as docker's CLI (pflag) does. */
import assert from 'node:assert/strict';
import { parseDockerParameters } from '../../../src/cli/docker-parse.js';
import type { ParamSpec } from '../../../src/cli/types.js';
import { CtrimgError } from '../../../src/errors.js';

const params: ParamSpec[] = [
  { name: 'Arguments', type: 'string[]', positional: true, description: '' },
  { name: 'All', type: 'switch', short: 'a', description: '' },
  { name: 'Quiet', type: 'switch', short: 'q', description: '' },
  { name: 'Human', type: 'switch', short: 'H', description: '' },
  { name: 'NoTrunc', type: 'switch', description: '' },
  { name: 'Filter', type: 'string[]', short: 'f', description: '' },
  { name: 'Format', type: 'string', description: '' },
  { name: 'Limit', type: 'number', description: '' },
];
const parse = (...tokens: string[]) => parseDockerParameters(params, tokens).args;
const usage = (message: string) => (err: unknown) => err instanceof CtrimgError && err.kind === 'usage' && err.message === message;

describe('cli/docker-parse', () => {
  it('combines one-letter switches, reads --no-trunc and -H=false, and leaves the words as arguments', () => {
    assert.deepEqual(parse('-aq', 'repo:tag'), { Arguments: ['repo:tag'], All: true, Quiet: true, Human: undefined, NoTrunc: undefined, Filter: undefined, Format: undefined, Limit: undefined });
    assert.equal(parse('-H=false', 'img').Human, false);
    assert.equal(parse('--no-trunc').NoTrunc, true);
    assert.equal(parse('--all=false').All, false);
  });

  it('collects a repeated --filter in order, in every spelling, and keeps the last of a repeated single-valued flag', () => {
    assert.deepEqual(parse('--filter', 'dangling=true', '--filter=label=a=b', '-f', 'before=x', '-fsince=y').Filter, ['dangling=true', 'label=a=b', 'before=x', 'since=y']);
    assert.equal(parse('--format', '{{.ID}}', '--format', 'table {{.Tag}}').Format, 'table {{.Tag}}');
    assert.equal(parse('--limit', '5').Limit, 5);
    assert.equal(parse('--format', '-{{.ID}}').Format, '-{{.ID}}', 'a value may start with a dash');
    assert.deepEqual(parse('-f', '--x=y', '-aqf', 'a=1').Filter, ['--x=y', 'a=1']);
  });

  it('takes every token after -- as an argument', () => {
    assert.deepEqual(parse('-a', '--', '-q', 'x').Arguments, ['-q', 'x']);
  });

  it("refuses unknown flags and flags without their value, in pflag's words", () => {
    assert.throws(() => parse('--bogus'), usage('unknown flag: --bogus'));
    assert.throws(() => parse('-az'), usage("unknown shorthand flag: 'z' in -az"));
    assert.throws(() => parse('--format'), usage('flag needs an argument: --format'));
    assert.throws(() => parse('-af'), usage("flag needs an argument: 'f' in -af"));
  });
});
