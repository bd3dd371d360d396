/**
 * Every registered cmdlet's help (cmdlets/index.ts) is complete and true: each parameter has a
 * description that help shows, each PowerShell-style cmdlet has at least two examples (a
 * docker-style verb at least one), and every example's command line parses against the spec of
 * each ctrimg command it runs (pipelines too), so a misspelt or renamed parameter fails here.
 */
import assert from 'node:assert/strict';
import { cmdlets } from '../../../cmdlets/index.js';
import { parseDockerParameters } from '../../../src/cli/docker-parse.js';
import { renderCmdletHelp } from '../../../src/cli/help.js';
import { COMMON_PARAMS } from '../../../src/cli/names.js';
import { parseParameters } from '../../../src/cli/parse.js';
import type { CmdletSpec } from '../../../src/cli/types.js';
import { DEFAULT_OUTPUT_FORMATS } from '../../../src/format/output-format.js';

/**
 * A POSIX shell's words, enough for help examples: '...' and "..." quoting, `|` between commands,
 * redirections (`>`, `>>`, `2>`, `<`) dropped with their target. One array of words per command.
 */
export function commandsOf(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  let redirect = false;
  const end = () => {
    if (word === undefined) return;
    if (redirect) redirect = false;
    else commands.at(-1)!.push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      assert.ok(close > i, `unclosed ${c} in ${line}`);
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (/\s/.test(c)) {
      end();
    } else if (c === '|') {
      end();
      commands.push([]);
    } else if ((c === '>' || c === '<') && (word === undefined || /^\d$/.test(word))) {
      word = undefined;
      if (line[i + 1] === '>') i++;
      redirect = true;
    } else {
      word = (word ?? '') + c;
    }
  }
  end();
  return commands;
}

const named = (spec: CmdletSpec) => [spec.name, ...(spec.aliases ?? [])].map((n) => n.toLowerCase());

/** What is wrong with a cmdlet's examples, one line each; [] when nothing is. */
export function exampleProblems(spec: CmdletSpec, all: CmdletSpec[]): string[] {
  const problems: string[] = [];
  for (const { command, description } of spec.examples) {
    if (description.trim() === '') problems.push(`${command}: no description`);
    const runs = commandsOf(command).filter((words) => words[0] === 'ctrimg');
    if (!runs.some((words) => named(spec).includes(words[1]?.toLowerCase() ?? ''))) problems.push(`${command}: does not run ${spec.name}`);
    for (const [, name, ...tokens] of runs) {
      const target = all.find((c) => named(c).includes(name?.toLowerCase() ?? ''));
      if (!target) {
        problems.push(`${command}: no cmdlet '${name}'`);
        continue;
      }
      try {
        if (target.syntax === 'docker') {
          parseDockerParameters(target.params, tokens);
        } else {
          const { common } = parseParameters(target.params, tokens, target.parameterSets, target.confirmImpact);
          const formats = target.outputFormats ?? DEFAULT_OUTPUT_FORMATS;
          if (!formats.includes(common.outputFormat)) problems.push(`${command}: ${target.name} does not render ${common.outputFormat}`);
        }
      } catch (err) {
        problems.push(`${command}: ${(err as Error).message}`);
      }
    }
  }
  return problems;
}

describe('cmdlet help and examples', () => {
  it('finds a misspelt parameter, a value not in its set, a missing mandatory parameter and an example of another cmdlet', () => {
    const spec: CmdletSpec = {
      name: 'Get-Thing',
      synopsis: 'Gets things.',
      params: [
        { name: 'Name', type: 'string', required: true, positional: true, description: 'Name.' },
        { name: 'Kind', type: 'string', choices: ['Alpha', 'Beta'], description: 'Kind.' },
      ],
      examples: [
        { command: 'ctrimg Get-Thing -Name x -Kind alpha --json | jq .', description: 'Fine.' },
        { command: "ctrimg get-thing 'a b' > out.txt", description: 'Fine too.' },
        { command: 'ctrimg Get-Thing -Nmae x', description: 'Misspelt.' },
        { command: 'ctrimg Get-Thing x -Kind Zulu', description: 'Not a kind.' },
        { command: 'ctrimg Get-Thing -Kind Beta', description: 'No name.' },
        { command: 'ctrimg Get-Other', description: 'Another cmdlet.' },
        { command: 'ctrimg Get-Thing x -OutputFormat Dot', description: 'A format it does not render.' },
      ],
      run: async () => {},
    };
    assert.deepEqual(exampleProblems(spec, [spec]), [
      "ctrimg Get-Thing -Nmae x: unknown parameter '-Nmae'; did you mean '-Name'?",
      "ctrimg Get-Thing x -Kind Zulu: invalid value 'Zulu' for -Kind; valid values are Alpha, Beta",
      'ctrimg Get-Thing -Kind Beta: missing required parameter -Name',
      'ctrimg Get-Other: does not run Get-Thing',
      "ctrimg Get-Other: no cmdlet 'Get-Other'",
      'ctrimg Get-Thing x -OutputFormat Dot: Get-Thing does not render Dot',
    ]);
  });

  it('reads quotes, pipes and redirections as a shell does', () => {
    assert.deepEqual(commandsOf(`ctrimg A -Name 'Nano*' "x y" 2>/dev/null | ctrimg B -Force >> out.txt`), [
      ['ctrimg', 'A', '-Name', 'Nano*', 'x y'],
      ['ctrimg', 'B', '-Force'],
    ]);
    assert.deepEqual(commandsOf('ctrimg C > a.svg'), [['ctrimg', 'C']]);
  });

  for (const spec of cmdlets) {
    describe(spec.name, () => {
      it('describes every parameter, and help shows each with its description', () => {
        const help = renderCmdletHelp(spec);
        for (const p of spec.params) {
          assert.ok(p.description.trim() !== '', `-${p.name} has no description`);
          if (!p.positional || spec.syntax !== 'docker') assert.ok(help.includes(p.description), `help does not show -${p.name}'s description`);
        }
      });

      const least = spec.syntax === 'docker' ? 1 : 2;
      it(`has at least ${least} example${least > 1 ? 's' : ''}, each of which parses against the specs it runs`, () => {
        assert.ok(spec.examples.length >= least, `${spec.examples.length} example(s)`);
        assert.deepEqual(exampleProblems(spec, cmdlets), []);
      });
    });
  }

  it('describes every common parameter', () => {
    for (const p of COMMON_PARAMS) assert.ok(p.description.trim() !== '', `-${p.name}`);
  });
});
