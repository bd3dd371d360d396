import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { setTimeout } from 'node:timers/promises';
import { runCli } from '../../../src/cli/run.js';
import type { Args, CmdletIO, CmdletSpec } from '../../../src/cli/types.js';
import { dependent, failed, notFound, usage } from '../../../src/errors.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** What run() received; undefined when it was not called. */
  args?: Args;
  io?: CmdletIO;
}

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => (text += c));
  return () => text;
}

/** Runs the CLI over in-memory streams with `run` as the body of every fake cmdlet. */
async function cli(
  argv: string[],
  run: (args: Args, io: CmdletIO) => Promise<void> = async () => {},
  opts: { stdin?: string; stdinIsTTY?: boolean; stderrIsTTY?: boolean; signals?: EventEmitter } = {},
): Promise<Result> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  stdin.end(opts.stdin ?? '');
  const result: Partial<Result> = {};
  const body = async (args: Args, io: CmdletIO) => {
    result.args = args;
    result.io = io;
    await run(args, io);
  };
  const cmdlets = specs(body);
  const code = await runCli(argv, cmdlets, {
    stdin, stdout, stderr,
    stdinIsTTY: opts.stdinIsTTY ?? false,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    signals: opts.signals ?? new EventEmitter(),
  });
  await new Promise((r) => setImmediate(r));
  return { ...result, code, stdout: out(), stderr: err() };
}

function specs(run: CmdletSpec['run']): CmdletSpec[] {
  return [
    {
      name: 'Get-ContainerImage',
      aliases: ['images'],
      synopsis: 'Lists installed container images.',
      params: [
        { name: 'Name', type: 'string[]', positional: true, description: 'Image name patterns.' },
        { name: 'Publisher', type: 'string', description: 'Only images from this publisher.' },
        { name: 'RequiredVersion', type: 'string', aliases: ['Version'], description: 'Exact version.' },
        { name: 'Reference', type: 'string', description: 'host/repo:tag.' },
        { name: 'Force', type: 'switch', description: 'Do not ask.' },
        { name: 'Count', type: 'number', description: 'At most this many.' },
        { name: 'Platform', type: 'string', choices: ['Windows', 'Linux'], description: 'Target OS.' },
      ],
      examples: [{ command: 'ctrimg Get-ContainerImage -Name Nano*', description: 'Lists NanoServer images.' }],
      run,
    },
    {
      name: 'Register-ContainerImageSource',
      synopsis: 'Registers a named registry.',
      params: [
        { name: 'Name', type: 'string', required: true, positional: true, description: 'Source name.' },
        { name: 'Location', type: 'string', required: true, description: 'Registry URL.' },
      ],
      examples: [],
      run,
    },
    {
      name: 'Get-Command',
      synopsis: 'Lists the commands.',
      params: [
        { name: 'Name', type: 'string[]', positional: true, description: 'Command names.' },
        { name: 'Verb', type: 'string[]', description: 'Verbs.' },
      ],
      examples: [],
      run,
    },
    {
      name: 'Remove-Thing',
      synopsis: 'Removes things.',
      confirmImpact: 'High',
      params: [
        { name: 'Name', type: 'string[]', positional: true, description: 'Things.' },
        { name: 'Force', type: 'switch', description: 'Do not ask.' },
      ],
      examples: [],
      run,
    },
  ];
}

describe('runCli', () => {
  describe('cmdlet names', () => {
    it('matches the name case-insensitively', async () => {
      for (const name of ['Get-ContainerImage', 'get-containerimage', 'GET-CONTAINERIMAGE']) {
        const r = await cli([name]);
        assert.equal(r.code, 0);
        assert.ok(r.args, `${name} ran`);
      }
    });

    it('matches aliases', async () => {
      const r = await cli(['IMAGES', '-Force']);
      assert.equal(r.code, 0);
      assert.equal(r.args?.Force, true);
    });

    it('suggests the closest cmdlet for an unknown one, exit 2', async () => {
      const r = await cli(['Get-ContainerImages']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "ctrimg: unknown cmdlet 'Get-ContainerImages'; did you mean 'Get-ContainerImage'? [USAGE]\n");
      assert.equal(r.args, undefined);
    });

    it('points at help when nothing is close', async () => {
      const r = await cli(['Frobnicate-Everything']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "ctrimg: unknown cmdlet 'Frobnicate-Everything'; run 'ctrimg help' to list cmdlets [USAGE]\n");
    });
  });

  describe('parameters', () => {
    it('accepts -Param, -param, --param and --param=value', async () => {
      const r = await cli(['get-containerimage', '-publisher', 'Microsoft', '--required-version=1.0', '--reference', 'r:1']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.args?.Publisher, 'Microsoft');
      assert.equal(r.args?.RequiredVersion, '1.0');
      assert.equal(r.args?.Reference, 'r:1');
    });

    it('accepts --kebab-case names with a separate value', async () => {
      const r = await cli(['Get-ContainerImage', '--required-version', '2.0']);
      assert.equal(r.args?.RequiredVersion, '2.0');
    });

    it('leaves absent parameters undefined and passes no common parameters to run()', async () => {
      const r = await cli(['Get-ContainerImage', '-Debug', '-Quiet']);
      assert.deepEqual(Object.keys(r.args ?? {}).sort(), ['Count', 'Force', 'Name', 'Platform', 'Publisher', 'Reference', 'RequiredVersion']);
      assert.equal(r.args?.Publisher, undefined);
      assert.equal(r.args?.Force, undefined);
    });

    it('resolves a unique case-insensitive prefix', async () => {
      const r = await cli(['Get-ContainerImage', '-Req', '1.0', '-pub', 'Contoso']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.args?.RequiredVersion, '1.0');
      assert.equal(r.args?.Publisher, 'Contoso');
    });

    it('rejects an ambiguous prefix listing the candidates, exit 2', async () => {
      const r = await cli(['Get-ContainerImage', '-Re', '1.0']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "Get-ContainerImage: parameter '-Re' is ambiguous; it could be -RequiredVersion, -Reference [USAGE]\n");
      assert.equal(r.args, undefined);
    });

    it('accepts aliases from the spec', async () => {
      const r = await cli(['Get-ContainerImage', '-Version', '10.0']);
      assert.equal(r.args?.RequiredVersion, '10.0');
    });

    it('suggests the closest parameter for an unknown one, exit 2', async () => {
      const r = await cli(['Get-ContainerImage', '-Pubilsher', 'x']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "Get-ContainerImage: unknown parameter '-Pubilsher'; did you mean '-Publisher'? [USAGE]\n");
    });

    it('collects string[] from comma lists and repeated flags', async () => {
      assert.deepEqual((await cli(['Get-ContainerImage', '-Name', 'a,b'])).args?.Name, ['a', 'b']);
      assert.deepEqual((await cli(['Get-ContainerImage', '-Name', 'a', '--name', 'b,c'])).args?.Name, ['a', 'b', 'c']);
    });

    it('gives bare words to the positional parameter', async () => {
      const r = await cli(['Get-ContainerImage', 'NanoServer', '-Force', 'Windows*']);
      assert.deepEqual(r.args?.Name, ['NanoServer', 'Windows*']);
      assert.equal(r.args?.Force, true);
    });

    it('rejects a second bare word for a single-valued positional parameter', async () => {
      const r = await cli(['Register-ContainerImageSource', 'a', 'b', '-Location', 'https://127.0.0.1']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "Register-ContainerImageSource: unexpected argument 'b'; no parameter takes it by position [USAGE]\n");
    });

    it('rejects a single-valued parameter given twice', async () => {
      const r = await cli(['Get-ContainerImage', '-Publisher', 'a', '-Publisher', 'b']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'Get-ContainerImage: parameter -Publisher was given more than once [USAGE]\n');
    });

    it('takes switches as -Force, -Force:$false, -Force:$true and --force=false', async () => {
      assert.equal((await cli(['Get-ContainerImage', '-Force'])).args?.Force, true);
      assert.equal((await cli(['Get-ContainerImage', '-Force:$false'])).args?.Force, false);
      assert.equal((await cli(['Get-ContainerImage', '-Force:$true'])).args?.Force, true);
      assert.equal((await cli(['Get-ContainerImage', '--force=false'])).args?.Force, false);
    });

    it('rejects a switch value that is not a boolean', async () => {
      const r = await cli(['Get-ContainerImage', '-Force:maybe']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Get-ContainerImage: invalid value 'maybe' for switch -Force/);
    });

    it('takes -Param:value for non-switches, keeping later colons', async () => {
      const r = await cli(['Get-ContainerImage', '-Reference:host:5000/repo:tag']);
      assert.equal(r.args?.Reference, 'host:5000/repo:tag');
    });

    it('parses and validates numbers, including negative ones', async () => {
      assert.equal((await cli(['Get-ContainerImage', '-Count', '3'])).args?.Count, 3);
      assert.equal((await cli(['Get-ContainerImage', '-Count', '-2'])).args?.Count, -2);
      const r = await cli(['Get-ContainerImage', '-Count', 'many']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "Get-ContainerImage: cannot convert 'many' to a number for -Count [USAGE]\n");
    });

    it('normalizes choices case-insensitively to their declared spelling', async () => {
      assert.equal((await cli(['Get-ContainerImage', '-Platform', 'linux'])).args?.Platform, 'Linux');
      const r = await cli(['Get-ContainerImage', '-Platform', 'Linx']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "Get-ContainerImage: invalid value 'Linx' for -Platform; valid values are Windows, Linux (did you mean 'Linux'?) [USAGE]\n");
    });

    it('reports a missing value, exit 2', async () => {
      for (const argv of [['Get-ContainerImage', '-Publisher'], ['Get-ContainerImage', '-Publisher', '-Force']]) {
        const r = await cli(argv);
        assert.equal(r.code, 2);
        assert.equal(r.stderr, 'Get-ContainerImage: missing value for parameter -Publisher [USAGE]\n');
      }
    });

    it('enforces required parameters, exit 2 on one line', async () => {
      const r = await cli(['Register-ContainerImageSource', 'local']);
      assert.equal(r.code, 2);
      assert.equal(r.args, undefined);
      assert.equal(r.stderr, 'Register-ContainerImageSource: missing required parameter -Location [USAGE]\n');
      const none = await cli(['Register-ContainerImageSource']);
      assert.equal(none.stderr, 'Register-ContainerImageSource: missing required parameters -Name, -Location [USAGE]\n');
      const ok = await cli(['Register-ContainerImageSource', 'local', '-Loc', 'http://localhost:5000']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual([ok.args?.Name, ok.args?.Location], ['local', 'http://localhost:5000']);
    });

    it('treats everything after -- as bare words', async () => {
      const r = await cli(['Get-ContainerImage', '--', '-odd-name']);
      assert.deepEqual(r.args?.Name, ['-odd-name']);
    });
  });

  describe('common parameters', () => {
    it('defaults to Table output; -OutputFormat json and --json select Json', async () => {
      assert.equal((await cli(['Get-ContainerImage'])).io?.outputFormat, 'Table');
      assert.equal((await cli(['Get-ContainerImage', '-OutputFormat', 'json'])).io?.outputFormat, 'Json');
      assert.equal((await cli(['Get-ContainerImage', '--json'])).io?.outputFormat, 'Json');
      assert.equal((await cli(['Get-ContainerImage', '-o', 'JSON'])).io?.outputFormat, 'Json');
    });

    it('rejects an unknown output format', async () => {
      const r = await cli(['Get-ContainerImage', '-OutputFormat', 'Yaml']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Get-ContainerImage: invalid value 'Yaml' for -OutputFormat; valid values are Table, Json/);
    });

    it('sends out() to stdout and info/warn to stderr; warn prefixed WARNING:', async () => {
      const r = await cli(['Get-ContainerImage'], async (_a, io) => {
        io.out('result');
        io.info('working');
        io.warn('careful');
        io.debug('hidden');
        io.out('');
      });
      assert.equal(r.stdout, 'result\n');
      assert.equal(r.stderr, 'working\nWARNING: careful\n');
    });

    it('prints debug lines only with -Debug', async () => {
      const r = await cli(['Get-ContainerImage', '-Debug'], async (_a, io) => io.debug('details'));
      assert.equal(r.stderr, 'DEBUG: details\n');
    });

    it('-Quiet suppresses info but not warnings; -Verbose brings info back', async () => {
      const body = async (_a: Args, io: CmdletIO) => {
        io.info('working');
        io.warn('careful');
      };
      const quiet = await cli(['Get-ContainerImage', '-Quiet'], body);
      assert.equal(quiet.stderr, 'WARNING: careful\n');
      assert.equal(quiet.io?.quiet, true);
      const verbose = await cli(['Get-ContainerImage', '-Quiet', '-Verbose'], body);
      assert.equal(verbose.stderr, 'working\nWARNING: careful\n');
      assert.equal(verbose.io?.quiet, false);
    });

    it('readStdin reads the pipeline, and gives "" for a terminal', async () => {
      let piped = '';
      await cli(['Get-ContainerImage'], async (_a, io) => void (piped = await io.readStdin()), { stdin: '[{"Name":"a"}]' });
      assert.equal(piped, '[{"Name":"a"}]');
      let tty = 'unset';
      await cli(['Get-ContainerImage'], async (_a, io) => void (tty = await io.readStdin()), { stdin: 'ignored', stdinIsTTY: true });
      assert.equal(tty, '');
    });

    it('aborts io.signal on SIGINT and stops listening afterwards', async () => {
      const signals = new EventEmitter();
      let aborted = false;
      const r = await cli(['Get-ContainerImage'], async (_a, io) => {
        signals.emit('SIGINT');
        aborted = io.signal.aborted;
      }, { signals });
      assert.equal(r.code, 0);
      assert.equal(aborted, true);
      assert.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);
    });
  });

  describe('-WhatIf, -Confirm and -ErrorAction', () => {
    /** Runs Remove-Thing, whose body asks about each name and records what it was allowed to do. */
    async function removeThings(argv: string[], opts: Parameters<typeof cli>[2] = {}) {
      const done: string[] = [];
      const r = await cli(['Remove-Thing', ...argv], async (args, io) => {
        for (const name of args.Name as string[]) if (await io.shouldProcess(name, 'Remove')) done.push(name);
      }, opts);
      return { ...r, done };
    }

    it('are common parameters of a state-changing cmdlet, never passed to run()', async () => {
      const r = await removeThings(['a', '-WhatIf', '-Confirm:$false', '-EA', 'Stop']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(Object.keys(r.args ?? {}).sort(), ['Force', 'Name']);
      assert.equal(r.io?.whatIf, true);
      assert.equal(r.io?.errorAction, 'Stop');
    });

    it('-ErrorAction takes its choices case-insensitively, by its alias too, and refuses others', async () => {
      assert.equal((await cli(['Get-ContainerImage', '-ErrorAction', 'silentlycontinue'])).io?.errorAction, 'SilentlyContinue');
      assert.equal((await cli(['Get-ContainerImage'])).io?.errorAction, 'Continue');
      assert.equal((await cli(['Get-ContainerImage', '-ea:stop'])).io?.errorAction, 'Stop');
      const bad = await cli(['Get-ContainerImage', '-ErrorAction', 'Ignore']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /invalid value 'Ignore' for -ErrorAction; valid values are Continue, Stop, SilentlyContinue/);
    });

    it('-WhatIf and -Confirm are unknown parameters of a cmdlet that changes nothing', async () => {
      for (const p of ['-WhatIf', '-Confirm']) {
        const r = await cli(['Get-ContainerImage', p]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, new RegExp(`unknown parameter '${p}'`));
        assert.equal(r.args, undefined);
      }
    });

    it('a High cmdlet refuses off a terminal (exit 2, nothing done) unless -Force or -Confirm:$false', async () => {
      const refused = await removeThings(['a,b']);
      assert.equal(refused.code, 2);
      assert.deepEqual(refused.done, []);
      assert.equal(
        refused.stderr,
        'Remove-Thing: the operation "Remove" on target "a" needs confirmation, and stdin is not a terminal to ask on; nothing was changed (give -Force or -Confirm:$false to go on without asking, or -WhatIf to see what would be done) [CONFIRMATION_REQUIRED]\n',
      );
      // stdin a terminal but stderr redirected: the question could not be seen.
      assert.equal((await removeThings(['a'], { stdinIsTTY: true })).code, 2);
      for (const flag of ['-Force', '-Confirm:$false', '-confirm:false']) {
        const r = await removeThings(['a,b', flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.done, ['a', 'b']);
      }
      assert.equal((await removeThings(['a', '-Force', '-Confirm'])).code, 2, 'an explicit -Confirm asks even with -Force');
    });

    it('asks on a terminal (stdin and stderr), and does what the answer allows', async () => {
      const tty = { stdinIsTTY: true, stderrIsTTY: true };
      const no = await removeThings(['a'], { stdin: 'n\n', ...tty });
      assert.equal(no.code, 0, no.stderr);
      assert.match(no.stderr, /Performing the operation "Remove" on target "a"\.\n\[Y\] Yes/);
      assert.deepEqual(no.done, []);
      assert.deepEqual((await removeThings(['a,b'], { stdin: 'a\n', ...tty })).done, ['a', 'b'], 'Yes to All');
    });

    it('-WhatIf changes nothing and says what would be done per object, on stderr', async () => {
      const r = await removeThings(['a,b', '-WhatIf']);
      assert.equal(r.code, 0);
      assert.deepEqual(r.done, []);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'What if: Performing the operation "Remove" on target "a".\nWhat if: Performing the operation "Remove" on target "b".\n');
    });

    it('errors written per object fail the command at the end, by -ErrorAction', async () => {
      const body = async (_: Args, io: CmdletIO) => {
        io.writeError(notFound("'a' is gone", { code: 'IMAGE_GONE' }));
        io.out('b done');
      };
      const cont = await cli(['Get-ContainerImage'], body);
      assert.deepEqual([cont.code, cont.stdout, cont.stderr], [3, 'b done\n', "Get-ContainerImage: 'a' is gone [IMAGE_GONE]\n"]);
      const stop = await cli(['Get-ContainerImage', '-ErrorAction', 'Stop'], body);
      assert.deepEqual([stop.code, stop.stdout, stop.stderr], [3, '', "Get-ContainerImage: 'a' is gone [IMAGE_GONE]\n"]);
      const silent = await cli(['Get-ContainerImage', '-EA', 'SilentlyContinue'], body);
      assert.deepEqual([silent.code, silent.stdout, silent.stderr], [3, 'b done\n', '']);
    });

    it('help lists -WhatIf and -Confirm for a state-changing cmdlet, and -ErrorAction among the common parameters', async () => {
      const help = (await cli(['help', 'Remove-Thing'])).stdout;
      assert.match(help, /Remove-Thing \[\[-Name\] <string\[\]>\] \[-Force\] \[-WhatIf\] \[-Confirm\] \[<CommonParameters>\]/);
      assert.match(help, /\n {4}-WhatIf\n/);
      assert.match(help, /\n {4}-Confirm\n {8}Ask before each change\. This cmdlet asks on a terminal even without -Confirm, unless -Force or -Confirm:\$false is given\. With no terminal to ask on .* it refuses instead, changing nothing\.\n/);
      assert.match(help, /-ErrorAction \{Continue \| Stop \| SilentlyContinue\}, -EA/);
      const plain = (await cli(['help', 'Get-ContainerImage'])).stdout;
      assert.doesNotMatch(plain, /-WhatIf|-Confirm/);
      assert.match(plain, /-ErrorAction/);
    });
  });

  describe('help', () => {
    it('runs Get-Command for `help`, no arguments, --help and -?, with the usage lines below its table', async () => {
      for (const argv of [[], ['help'], ['--help'], ['-?'], ['Get-Help']]) {
        const r = await cli(argv, async (_a, io) => io.out('TABLE'));
        assert.equal(r.code, 0, argv.join(' '));
        assert.equal(r.stderr, '');
        assert.deepEqual(r.args, { Name: undefined, Verb: undefined }, 'Get-Command ran');
        assert.match(r.stdout, /^TABLE\nctrimg - container image manager with PowerShell-style verbs\n\nUSAGE\n {4}ctrimg <Cmdlet> /);
      }
    });

    it("gives help's parameters and a wildcard topic to Get-Command, and prints only its JSON with -OutputFormat Json", async () => {
      assert.deepEqual((await cli(['help', '-Verb', 'Get'])).args?.Verb, ['Get']);
      assert.deepEqual((await cli(['help', 'Get-*'])).args?.Name, ['Get-*']);
      const json = await cli(['help', '-OutputFormat', 'Json'], async (_a, io) => io.out('[]'));
      assert.equal(json.code, 0);
      assert.equal(json.stdout, '[]\n');
      const failed = await cli(['help', '-Verb', 'Get'], async () => { throw notFound('nothing'); });
      assert.equal(failed.code, 3);
      assert.equal(failed.stdout, '', 'no usage lines after an error');
    });

    it('shows synopsis, syntax, parameters and examples for `help <Cmdlet>` and -?', async () => {
      const a = await cli(['help', 'get-containerimage']);
      const b = await cli(['Get-ContainerImage', '-?']);
      const c = await cli(['images', '-Help', '-Bogus']);
      for (const r of [a, b, c]) {
        assert.equal(r.code, 0);
        assert.equal(r.args, undefined, 'run() is not called');
        assert.equal(r.stdout, a.stdout);
      }
      assert.ok(a.stdout.includes('SYNOPSIS\n    Lists installed container images.\n'));
      assert.ok(a.stdout.includes(
        'SYNTAX\n    Get-ContainerImage [[-Name] <string[]>] [-Publisher <string>] [-RequiredVersion <string>] [-Reference <string>] ' +
          '[-Force] [-Count <number>] [-Platform {Windows | Linux}] [<CommonParameters>]\n',
      ));
      assert.ok(a.stdout.includes('    -RequiredVersion <string>\n        Exact version.\n        Required: no; Position: named; Aliases: -Version\n'));
      assert.ok(a.stdout.includes('EXAMPLES\n    ctrimg Get-ContainerImage -Name Nano*\n        Lists NanoServer images.\n'));
      assert.ok(a.stdout.includes('ALIASES\n    images\n'));
    });

    it('shows required and positional parameters without brackets', async () => {
      const r = await cli(['help', 'Register-ContainerImageSource']);
      assert.ok(r.stdout.includes('Register-ContainerImageSource [-Name] <string> -Location <string> [<CommonParameters>]'), r.stdout);
    });

    it('rejects help for an unknown cmdlet with a suggestion', async () => {
      const r = await cli(['help', 'Get-ContainerImag']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, "ctrimg: unknown cmdlet 'Get-ContainerImag'; did you mean 'Get-ContainerImage'? [USAGE]\n");
    });
  });

  describe('errors from run()', () => {
    const cases = [
      { make: () => failed('download failed'), code: 1, errorCode: 'FAILED' },
      { make: () => usage('-Name and -Reference cannot be used together'), code: 2, errorCode: 'USAGE' },
      { make: () => notFound("no image named 'Nano'"), code: 3, errorCode: 'NOT_FOUND' },
      { make: () => dependent("'NanoServer' is the parent of 'IIS'"), code: 4, errorCode: 'DEPENDENT' },
    ];
    for (const { make, code, errorCode } of cases) {
      it(`prints one line ending in [${errorCode}] and exits ${code} for a ${make().kind} error`, async () => {
        const r = await cli(['Get-ContainerImage'], async () => { throw make(); });
        assert.equal(r.code, code);
        assert.equal(r.stderr, `Get-ContainerImage: ${make().message} [${errorCode}]\n`);
        assert.equal(r.stdout, '');
      });
    }

    it('appends the hint in parentheses', async () => {
      const r = await cli(['Get-ContainerImage'], async () => {
        throw dependent("'NanoServer' is used by container 'web'", { hint: 'remove the container first with Remove-Container' });
      });
      assert.equal(r.code, 4);
      assert.equal(r.stderr, "Get-ContainerImage: 'NanoServer' is used by container 'web' (remove the container first with Remove-Container) [DEPENDENT]\n");
    });

    it('exits 1 with the message and INTERNAL for errors that are not CtrimgError, folding newlines', async () => {
      const r = await cli(['Get-ContainerImage'], async () => { throw new TypeError('bad thing\n  on two lines'); });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'Get-ContainerImage: bad thing on two lines [INTERNAL]\n');
    });

    it('handles thrown non-errors', async () => {
      const r = await cli(['Get-ContainerImage'], async () => { throw 'plain string'; });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'Get-ContainerImage: plain string [INTERNAL]\n');
    });

    it('prints no stack trace without -Debug, and the stack with its cause under -Debug', async () => {
      const boom = async () => { throw failed('disk full', { cause: new Error('ENOSPC') }); };
      const plain = await cli(['Get-ContainerImage'], boom);
      assert.doesNotMatch(plain.stderr, /\bat /);
      const debug = await cli(['Get-ContainerImage', '-deb:$true'], boom);
      assert.equal(debug.code, 1);
      assert.ok(debug.stderr.startsWith('Get-ContainerImage: disk full [FAILED]\nCtrimgError: disk full\n    at '), debug.stderr);
      assert.match(debug.stderr, /\nCaused by: Error: ENOSPC\n {4}at /);
    });

    it('redacts credentials and escapes control characters in the line and in the -Debug stack and causes', async () => {
      const boom = async () => {
        throw failed('http://alice:pw1@127.0.0.1:5000/v2/?token=t0k said \x1b[2Jno\x1b]0;title\x07', {
          cause: new Error('echoed Authorization: Basic YWxpY2U6cHcx \u202e'),
        });
      };
      for (const argv of [['Get-ContainerImage'], ['Get-ContainerImage', '-Debug']]) {
        const r = await cli(argv, boom);
        assert.equal(r.code, 1);
        assert.ok(r.stderr.startsWith("Get-ContainerImage: http://127.0.0.1:5000/v2/ said \\x1b[2Jno\\x1b]0;title\\x07 [FAILED]\n"), r.stderr);
        for (const secret of ['alice', 'pw1', 't0k', 'YWxpY2U6cHcx']) assert.ok(!r.stderr.includes(secret), r.stderr);
        assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
      }
    });

    it('escapes control characters in info, warning and debug lines', async () => {
      const r = await cli(['Get-ContainerImage', '-Debug'], async (_a, io) => {
        io.info('Installed Evil\x1b[2J\nFake line');
        io.warn('mirror said \x9b31m');
        io.debug('title \u202eexe');
      });
      assert.equal(r.stderr, 'Installed Evil\\x1b[2J\\nFake line\nWARNING: mirror said \\x9b31m\nDEBUG: title \\u202eexe\n');
    });

    it('writes the progress block as is: it draws with ANSI escapes of its own', async () => {
      const block = '\x1b[2A\x1b[2Ka Downloading\n\x1b[2Kb Done\n';
      const r = await cli(['Get-ContainerImage'], async (_a, io) => io.progress(block));
      assert.equal(r.stderr, block);
    });

    it('names the cmdlet an abort cancelled, and the signal when there was one', async () => {
      const signals = new EventEmitter();
      const bySignal = await cli(['Get-ContainerImage'], async (_a, io) => {
        signals.emit('SIGINT');
        await setTimeout(1000, undefined, { signal: io.signal });
      }, { signals });
      assert.equal(bySignal.code, 1);
      assert.equal(bySignal.stderr, 'Get-ContainerImage: Get-ContainerImage was cancelled by SIGINT (run it again to finish) [CANCELLED]\n');
      const other = await cli(['Get-ContainerImage'], async () => {
        throw new DOMException('The operation was aborted', 'AbortError');
      });
      assert.equal(other.stderr, 'Get-ContainerImage: Get-ContainerImage was cancelled before it finished [CANCELLED]\n');
    });

    describe('with -OutputFormat Json', () => {
      /** stderr as exactly one JSON object line. */
      const errorObject = (r: Result) => {
        assert.match(r.stderr, /^\{[^\n]*\}\n$/, r.stderr);
        return JSON.parse(r.stderr) as Record<string, unknown>;
      };

      it('writes the error as one JSON object line on stderr, stdout empty', async () => {
        for (const format of [['-OutputFormat', 'Json'], ['--json'], ['-out:json']]) {
          const r = await cli(['Get-ContainerImage', ...format], async () => {
            throw notFound("no image named 'Nano'", { code: 'MANIFEST_UNKNOWN', hint: 'check the name' });
          });
          assert.equal(r.code, 3);
          assert.equal(r.stdout, '');
          assert.deepEqual(errorObject(r), {
            Cmdlet: 'Get-ContainerImage',
            Message: "no image named 'Nano'",
            Hint: 'check the name',
            Code: 'MANIFEST_UNKNOWN',
            ExitCode: 3,
          });
        }
      });

      it('gives Hint null, and INTERNAL for errors that are not CtrimgError', async () => {
        const r = await cli(['Get-ContainerImage', '--json'], async () => { throw new TypeError('bad thing\n  on two lines'); });
        assert.equal(r.code, 1);
        assert.deepEqual(errorObject(r), { Cmdlet: 'Get-ContainerImage', Message: 'bad thing on two lines', Hint: null, Code: 'INTERNAL', ExitCode: 1 });
      });

      it('reports parameter errors and unknown cmdlets as JSON too', async () => {
        const param = await cli(['Get-ContainerImage', '-Pubilsher', 'x', '-OutputFormat', 'json']);
        assert.equal(param.code, 2);
        assert.deepEqual(errorObject(param), {
          Cmdlet: 'Get-ContainerImage',
          Message: "unknown parameter '-Pubilsher'; did you mean '-Publisher'?",
          Hint: null,
          Code: 'USAGE',
          ExitCode: 2,
        });
        const cmdlet = await cli(['Get-ContainerImages', '--json']);
        assert.equal(cmdlet.code, 2);
        assert.equal(errorObject(cmdlet).Cmdlet, 'ctrimg');
        assert.equal(errorObject(cmdlet).Code, 'USAGE');
      });

      it('keeps the text line for -OutputFormat Table, -Json:$false and a -Json after --', async () => {
        for (const argv of [['-OutputFormat', 'Table'], ['-Json:$false'], ['--', '--json']]) {
          const r = await cli(['Get-ContainerImage', ...argv], async () => { throw failed('download failed'); });
          assert.equal(r.stderr, 'Get-ContainerImage: download failed [FAILED]\n', argv.join(' '));
        }
      });

      it('redacts credentials and escapes control characters as the text line does', async () => {
        const boom = async () => {
          throw failed('http://alice:pw1@127.0.0.1:5000/v2/?token=t0k said \x1b[2Jno\u202e', { hint: 'Authorization: Basic YWxpY2U6cHcx \x07' });
        };
        const text = await cli(['Get-ContainerImage'], boom);
        const json = await cli(['Get-ContainerImage', '--json'], boom);
        const e = errorObject(json);
        assert.equal(text.stderr, `Get-ContainerImage: ${e.Message} (${e.Hint}) [FAILED]\n`);
        assert.equal(e.Message, 'http://127.0.0.1:5000/v2/ said \\x1b[2Jno\\u202e');
        for (const secret of ['alice', 'pw1', 't0k', 'YWxpY2U6cHcx']) assert.ok(!json.stderr.includes(secret), json.stderr);
        assert.doesNotMatch(json.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]/);
      });
    });
  });
});
