/**
 * Parameter sets, PowerShell style: which set the parameters given select, the usage errors for
 * a combination no set allows and for required parameters a set lacks, help's syntax per set,
 * and the cmdlets' own declarations (each over the real specs in cmdlets/).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';
import { cmdlets } from '../../../cmdlets/index.js';
import { syntaxLines } from '../../../src/cli/help.js';
import { parseParameters, resolveParameterSet } from '../../../src/cli/parse.js';
import { runCli } from '../../../src/cli/run.js';
import type { CmdletSpec, Hints, ParamSpec } from '../../../src/cli/types.js';
import { CtrimgError, ERROR_CODES, failed, notFound } from '../../../src/errors.js';
import { ctrimg } from '../../support/ctrimg.js';

const spec = (name: string): CmdletSpec => cmdlets.find((c) => c.name === name)!;

/** The set `tokens` resolve to for the real cmdlet `name`. */
const setOf = (name: string, tokens: string[]) => parseParameters(spec(name).params, tokens, spec(name).parameterSets, spec(name).confirmImpact).parameterSet;

/** The usage error parsing `tokens` for the real cmdlet `name` throws. */
function usageError(name: string, tokens: string[]): CtrimgError {
  try {
    parseParameters(spec(name).params, tokens, spec(name).parameterSets, spec(name).confirmImpact);
  } catch (err) {
    assert.ok(err instanceof CtrimgError && err.kind === 'usage', String(err));
    return err;
  }
  assert.fail(`${name} ${tokens.join(' ')} parsed`);
}

/** What the CLI writes to stderr running the real cmdlet `name` with `run` as its body. */
async function stderrOf(name: string, argv: string[], run: CmdletSpec['run']): Promise<string> {
  const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()];
  stdin.end('');
  let text = '';
  stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
  await runCli([name, ...argv], [{ ...spec(name), run }], { stdin, stdout, stderr, stdinIsTTY: true, stderrIsTTY: false, signals: new EventEmitter() });
  return text;
}

describe('parameter sets', () => {
  describe('Install-ContainerImage', () => {
    it('selects the set by the parameters given, the default (a range) when several fit', () => {
      assert.equal(setOf('Install-ContainerImage', ['NanoServer']), 'Range');
      assert.equal(setOf('Install-ContainerImage', ['-Name', 'NanoServer', '-MinimumVersion', '1.0', '-Source', 'local']), 'Range');
      assert.equal(setOf('Install-ContainerImage', ['NanoServer', '-Version', '1.0']), 'Exact');
      assert.equal(setOf('Install-ContainerImage', ['-Reference', '127.0.0.1:5000/a:1', '-Insecure', '-WhatIf']), 'Reference');
    });

    it('refuses a name with a reference, and a reference with versions, a source or a name by position', () => {
      const cases: [string[], string][] = [
        [['-Name', 'NanoServer', '-Reference', 'r/a:1'], '-Name cannot be combined with -Reference'],
        [['-Reference', 'r/a:1', '-RequiredVersion', '1.0'], '-Reference cannot be combined with -RequiredVersion'],
        [['-Reference', 'r/a:1', '-Source', 'local'], '-Reference cannot be combined with -Source'],
        [['-Reference', 'r/a:1', 'NanoServer'], '-Reference cannot be combined with -Name'],
        [['NanoServer', '-Insecure'], '-Name cannot be combined with -Insecure'],
        [['NanoServer', '-RequiredVersion', '1.0', '-MaximumVersion', '2.0'], '-RequiredVersion cannot be combined with -MaximumVersion'],
      ];
      for (const [tokens, message] of cases) {
        const e = usageError('Install-ContainerImage', tokens);
        assert.equal(e.message, message, tokens.join(' '));
        assert.equal(e.code, 'PARAMETER_SET_CONFLICT');
        assert.match(e.hint ?? '', /parameter set cannot be resolved/);
      }
    });

    it('asks for the required parameter of every set that could still apply', () => {
      // With none of them, found images are read from stdin (the pipeline).
      assert.equal(setOf('Install-ContainerImage', []), 'Pipeline');
      assert.equal(setOf('Install-ContainerImage', ['-WhatIf']), 'Pipeline');
      assert.equal(usageError('Install-ContainerImage', ['-Image', 'a:1']).message, 'missing required parameter -Path');
      assert.equal(usageError('Install-ContainerImage', ['-RequiredVersion', '1.0']).message, 'missing required parameter -Name');
      assert.equal(usageError('Install-ContainerImage', ['-Insecure']).message, 'missing required parameter -Reference');
    });

    it('checks -MaxConcurrentDownloads against its range', () => {
      assert.equal(setOf('Install-ContainerImage', ['-Reference', 'r/a:1', '-MaxConcurrentDownloads', '32']), 'Reference');
      for (const n of ['0', '33', '1.5']) {
        assert.equal(usageError('Install-ContainerImage', ['-Reference', 'r/a:1', '-MaxConcurrentDownloads', n]).message, `-MaxConcurrentDownloads must be a whole number from 1 to 32, not ${n}`);
      }
    });
  });

  describe('Find-ContainerImage', () => {
    it('takes an exact version or a range with -AllVersions, never both', () => {
      assert.equal(setOf('Find-ContainerImage', []), 'Range');
      assert.equal(setOf('Find-ContainerImage', ['Nano*', '-AllVersions', '-MinimumVersion', '1.0']), 'Range');
      assert.equal(setOf('Find-ContainerImage', ['-RequiredVersion', '1.0']), 'Exact');
      assert.equal(usageError('Find-ContainerImage', ['-AllVersions', '-RequiredVersion', '1.0']).message, '-AllVersions cannot be combined with -RequiredVersion');
      assert.equal(usageError('Find-ContainerImage', ['-RequiredVersion', '1.0', '-MinimumVersion', '1.0']).message, '-RequiredVersion cannot be combined with -MinimumVersion');
    });
  });

  describe('Get-ContainerImage', () => {
    it('lists by default, relations in their own sets, and -Graph alone', () => {
      assert.equal(setOf('Get-ContainerImage', ['Web*', '-Property', 'Name,ParentImage']), 'List');
      assert.equal(setOf('Get-ContainerImage', ['-ChildOf', 'Nano', '-Recurse', '-Property', 'Name']), 'ChildOf');
      assert.equal(setOf('Get-ContainerImage', ['-AncestorOf', 'Web', '-Name', 'N*']), 'AncestorOf');
      assert.equal(setOf('Get-ContainerImage', ['-Graph']), 'Graph');
      assert.equal(usageError('Get-ContainerImage', ['-Recurse']).message, 'missing required parameter -ChildOf');
      assert.equal(usageError('Get-ContainerImage', ['-ChildOf', 'a', '-AncestorOf', 'b']).code, 'PARAMETER_SET_CONFLICT');
      assert.equal(usageError('Get-ContainerImage', ['-Graph', '-Name', 'x']).code, 'PARAMETER_SET_CONFLICT');
    });

    it('takes -OutputFormat Dot with -Graph only; other cmdlets refuse it before running', async () => {
      const never: CmdletSpec['run'] = async () => assert.fail('run was called');
      assert.equal(
        await stderrOf('Get-ContainerImage', ['-OutputFormat', 'Dot'], spec('Get-ContainerImage').run),
        'Get-ContainerImage: -OutputFormat Dot draws the graph: give -Graph [USAGE]\n',
      );
      assert.equal(
        await stderrOf('Get-ContainerImage', ['-Graph', '-Name', 'x'], never),
        'Get-ContainerImage: -Graph cannot be combined with -Name (-Graph draws every image and takes no filter) [PARAMETER_SET_CONFLICT]\n',
      );
      assert.equal(await stderrOf('Get-Container', ['-OutputFormat', 'dot'], never), 'Get-Container: -OutputFormat Dot is not one Get-Container renders; use Table or Json [USAGE]\n');
    });
  });

  describe('Remove-ContainerImage and Remove-Container', () => {
    it('read the pipeline when no -Name is given; -Publisher or -Version alone need -Name', () => {
      for (const name of ['Remove-ContainerImage', 'Remove-Container']) {
        assert.equal(setOf(name, []), 'Pipeline');
        assert.equal(setOf(name, ['-Force']), 'Pipeline');
        assert.equal(setOf(name, ['x', '-WhatIf']), 'Name');
      }
      assert.equal(setOf('Remove-ContainerImage', ['x', '-Publisher', 'Microsoft', '-Version', '1.0']), 'Name');
      assert.equal(usageError('Remove-ContainerImage', ['-Publisher', 'Microsoft']).message, 'missing required parameter -Name');
    });
  });

  describe('the pipeline set with nothing piped', () => {
    let root: string;
    let saved: string | undefined;
    beforeEach(async () => {
      // Should a cmdlet open its store after all, it opens this one.
      root = await mkdtemp(join(tmpdir(), 'ctrimg-pipeline-'));
      saved = process.env.CTRIMG_ROOT;
      process.env.CTRIMG_ROOT = root;
    });
    afterEach(async () => {
      if (saved === undefined) delete process.env.CTRIMG_ROOT;
      else process.env.CTRIMG_ROOT = saved;
      await rm(root, { recursive: true, force: true });
    });

    for (const [name, objects] of [['Remove-ContainerImage', 'image objects (Get-ContainerImage'], ['Remove-Container', 'container objects (Get-Container']]) {
      it(`${name} is a usage error that asks for -Name or piped objects, as README's pipeline section says`, async () => {
        const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()];
        stdin.end('');
        let text = '';
        stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
        const code = await runCli([name, '-Force'], cmdlets, { stdin, stdout, stderr, stdinIsTTY: false, stderrIsTTY: false, signals: new EventEmitter() });
        assert.equal(code, 2, text);
        assert.equal(text, `${name}: give -Name, or pipe ${objects} -OutputFormat Json) to stdin [USAGE]\n`);
      });
    }
  });

  describe('resolveParameterSet', () => {
    const p = (name: string, sets?: string[], required = false): ParamSpec => ({ name, type: 'switch', sets, required, description: '' });
    const [a, b, c, all] = [p('A', ['one', 'two']), p('B', ['two', 'three']), p('C', ['one', 'three']), p('All')];
    const params = [a, b, c, all];
    const sets = { names: ['one', 'two', 'three'], default: 'two' };

    it('takes the only set every parameter belongs to, else the default among those that fit', () => {
      assert.equal(resolveParameterSet(params, sets, [a, c]), 'one');
      assert.equal(resolveParameterSet(params, sets, [b, all]), 'two');
      assert.equal(resolveParameterSet(params, sets, [all]), 'two');
      assert.equal(resolveParameterSet(params, sets, []), 'two');
    });

    it('names every restricted parameter when no two of them conflict but all three do', () => {
      assert.throws(() => resolveParameterSet(params, sets, [a, b, c, all]), (e: unknown) => e instanceof CtrimgError && e.message === '-A cannot be combined with -B, -C');
    });

    it('prefers the set whose required parameters are all given over the default', () => {
      const r = p('R', ['three'], true);
      assert.equal(resolveParameterSet([...params, r], sets, [b, r]), 'three');
      assert.equal(resolveParameterSet([...params, r], sets, [b]), 'two');
    });

    it('refuses parameters that fit several complete sets when the default is not among them', () => {
      const noDefault = { names: ['one', 'three'], default: 'two' };
      assert.throws(() => resolveParameterSet(params, noDefault, [c]), (e: unknown) => e instanceof CtrimgError && e.code === 'PARAMETER_SET_CONFLICT' && /one, three/.test(e.message));
    });
  });

  describe('the cmdlets declare them consistently', () => {
    for (const c of cmdlets) {
      it(`${c.name}: every set a parameter names is declared, the default is one of them, each set is told apart`, () => {
        const declared = c.parameterSets?.names ?? [];
        for (const param of c.params) for (const s of param.sets ?? []) assert.ok(declared.includes(s), `${param.name}: ${s}`);
        if (!c.parameterSets) return;
        assert.ok(declared.includes(c.parameterSets.default));
        assert.equal(new Set(syntaxLines(c)).size, declared.length, 'no two sets have the same syntax');
      });
    }
  });

  describe('README', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');

    /** The first text block of README's `### <name>` section, one syntax line per set (indented lines continue the one above). */
    function readmeSyntax(name: string): string[] {
      const section = readme.split(/\n### /).find((s) => s.startsWith(`${name}\n`));
      assert.ok(section, `README has a section ### ${name}`);
      const block = /```text\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '';
      return block.replace(/\n\s+/g, ' ').split('\n');
    }

    for (const c of cmdlets) {
      it(`shows the syntax of ${c.name} as help does, one line per set`, () => {
        assert.deepEqual(readmeSyntax(c.name), syntaxLines(c).map((l) => l.replace(' [<CommonParameters>]', '')));
      });
    }
  });

  describe('ConfirmImpact', () => {
    it('every PowerShell-style cmdlet that changes state declares it; the destructive ones High, with a -Force (a Medium one may have one too)', () => {
      const impacts = Object.fromEntries(cmdlets.filter((c) => c.confirmImpact).map((c) => [c.name, c.confirmImpact]));
      assert.deepEqual(impacts, {
        'Register-ContainerImageSource': 'Medium',
        'Unregister-ContainerImageSource': 'High',
        'Install-ContainerImage': 'Medium',
        'Invoke-ContainerImageProvisioning': 'Medium',
        'Save-ContainerImage': 'Medium',
        'Remove-ContainerImage': 'High',
        'New-Container': 'Medium',
        'Remove-Container': 'High',
        'New-ContainerImage': 'Medium',
        'Repair-ContainerImageStore': 'High',
      });
      for (const c of cmdlets) {
        if (c.confirmImpact === 'High') assert.ok(c.params.some((p) => p.name === 'Force' && p.type === 'switch'), `${c.name} has -Force`);
        // A Medium cmdlet may have one too, for a destructive part asked about as a High one's (-Prune's removals).
        if (c.name === 'Invoke-ContainerImageProvisioning') assert.ok(c.params.some((p) => p.name === 'Force'), 'Invoke-ContainerImageProvisioning has -Force for -Prune');
        assert.ok(!c.params.some((p) => p.name === 'WhatIf' || p.name === 'Confirm'), `${c.name} leaves -WhatIf and -Confirm to the CLI`);
      }
    });
  });

  describe('help', () => {
    it("shows one syntax line per set with that set's parameters, required ones without brackets", () => {
      assert.deepEqual(syntaxLines(spec('Install-ContainerImage')).map((l) => l.replace(/ \[-Platform.*/, '')), [
        'Install-ContainerImage [-Name] <string> [-MinimumVersion <string>] [-MaximumVersion <string>] [-Source <string>]',
        'Install-ContainerImage [-Name] <string> -RequiredVersion <string> [-Source <string>]',
        'Install-ContainerImage -Reference <string> [-Insecure]',
        'Install-ContainerImage -Path <string> [-Image <string>] [-Repository <string>]',
        'Install-ContainerImage',
      ]);
      assert.deepEqual(syntaxLines(spec('Remove-Container')), [
        'Remove-Container [-Name] <string[]> [-Force] [-Importer {dir | hcs}] [-WhatIf] [-Confirm] [<CommonParameters>]',
        'Remove-Container [-Force] [-Importer {dir | hcs}] [-WhatIf] [-Confirm] [<CommonParameters>]',
      ]);
    });
  });
});

describe('cmdlet hints', () => {
  /** Runs the real cmdlet spec `name` with `run` replaced, over in-memory streams; returns stderr. */

  it("replace an operation's domain hint by the cmdlet's, by error code, and may quote the error's details", async () => {
    const untrusted = failed("the image names its base 'h:1/b:1' on a registry that is not its own", {
      code: 'BASE_UNTRUSTED',
      hint: 'install the base first by its reference, or register a source for that registry',
      details: { reference: 'h:1/b:1' },
    });
    assert.equal(
      await stderrOf('Install-ContainerImage', ['-Reference', 'r/a:1'], async () => { throw untrusted; }),
      "Install-ContainerImage: the image names its base 'h:1/b:1' on a registry that is not its own " +
        '(install the base first: ctrimg Install-ContainerImage -Reference h:1/b:1, or Register-ContainerImageSource for that registry) [BASE_UNTRUSTED]\n',
    );
    const missing = notFound("no source named 'x'", { code: 'SOURCE_NOT_FOUND', hint: 'list the registered sources to see their names' });
    assert.equal(await stderrOf('Find-ContainerImage', [], async () => { throw missing; }), "Find-ContainerImage: no source named 'x' (Get-ContainerImageSource lists them) [SOURCE_NOT_FOUND]\n");
  });

  it('give the hints every cmdlet shares, in parameter words, where the cmdlet has none of its own', async () => {
    const tooLarge = failed('the catalog of 127.0.0.1:5000 is larger than 64 bytes in all; stopped there', {
      code: 'LISTING_TOO_LARGE',
      hint: 'search other sources, or install from 127.0.0.1:5000 by a reference (127.0.0.1:5000/<repository>:<tag>), which needs no listing',
      details: { listing: 'catalog', subject: '127.0.0.1:5000' },
    });
    assert.match(
      await stderrOf('Find-ContainerImage', [], async () => { throw tooLarge; }),
      /\(search other sources with Find-ContainerImage -Source <name>, or install from 127\.0\.0\.1:5000 by Install-ContainerImage -Reference 127\.0\.0\.1:5000\/<repository>:<tag>, which needs no listing\) \[LISTING_TOO_LARGE\]\n$/,
    );
    const mismatch = failed("this store's layers and containers were made by the 'hcs' importer; 'dir' cannot use them", {
      code: 'IMPORTER_MISMATCH',
      hint: "use the 'hcs' importer with this store (CTRIMG_IMPORTER), or another store (CTRIMG_ROOT) for 'dir'",
      details: { recorded: 'hcs', forced: 'dir' },
    });
    // Only the cmdlets that take -Importer name it; the others keep the domain hint.
    assert.match(await stderrOf('Install-ContainerImage', ['-Reference', 'r/a:1'], async () => { throw mismatch; }), /\(use -Importer hcs, or another store \(CTRIMG_ROOT\) for 'dir'\) \[IMPORTER_MISMATCH\]\n$/);
    assert.match(await stderrOf('Get-ContainerImage', [], async () => { throw mismatch; }), /\(use the 'hcs' importer with this store \(CTRIMG_IMPORTER\), or another store \(CTRIMG_ROOT\) for 'dir'\) \[IMPORTER_MISMATCH\]\n$/);
  });

  it('are keyed by codes of the closed set: a misspelt code does not compile', () => {
    // @ts-expect-error SOURCE_NOT_FOUN is no error code
    const misspelt: Hints = { SOURCE_NOT_FOUN: 'Get-ContainerImageSource lists them' };
    assert.ok(misspelt);
    for (const c of cmdlets) for (const code of Object.keys(c.hints ?? {})) assert.ok(code in ERROR_CODES, `${c.name}: ${code}`);
  });

  it("give a cmdlet's own hint for two parameters that do not go together, where it knows why", async () => {
    const never: CmdletSpec['run'] = async () => assert.fail('the cmdlet must not run');
    assert.equal(
      await stderrOf('Install-ContainerImage', ['-Name', 'x', '-Insecure'], never),
      'Install-ContainerImage: -Name cannot be combined with -Insecure (with -Name, plain http is a property of the source: Register-ContainerImageSource -Insecure) [PARAMETER_SET_CONFLICT]\n',
    );
    assert.equal(
      await stderrOf('Find-ContainerImage', ['-AllVersions', '-RequiredVersion', '1'], never),
      'Find-ContainerImage: -AllVersions cannot be combined with -RequiredVersion (bound -AllVersions with -MinimumVersion and -MaximumVersion) [PARAMETER_SET_CONFLICT]\n',
    );
    assert.match(await stderrOf('Install-ContainerImage', ['-Name', 'x', '-Reference', 'r/a:1'], never), /\(the parameter set cannot be resolved from the parameters given; -\? shows the syntax of each set\) \[PARAMETER_SET_CONFLICT\]\n$/);
  });

  it('name the parameter whose image is missing, on a real (empty) store', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ctrimg-childof-'));
    try {
      const r = await ctrimg(join(root, 'store'), ['Get-ContainerImage', '-ChildOf', 'nope']);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stderr, "Get-ContainerImage: no installed image matches 'nope', the image whose children were asked for (Get-ContainerImage without -ChildOf or -AncestorOf lists them) [IMAGE_NOT_FOUND]\n");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keep the domain hint for a code the cmdlet has no hint for', async () => {
    const other = failed('something else', { code: 'NOT_A_REGISTRY', hint: 'check the URL' });
    assert.equal(await stderrOf('Install-ContainerImage', ['-Reference', 'r/a:1'], async () => { throw other; }), 'Install-ContainerImage: something else (check the URL) [NOT_A_REGISTRY]\n');
  });

  it('tell a domain parse error as the parameter it came from', async () => {
    const r = await stderrOf('Find-ContainerImage', ['-MinimumVersion', 'banana'], spec('Find-ContainerImage').run);
    assert.match(r, /^Find-ContainerImage: -MinimumVersion: invalid version 'banana': expected 1 to 4 numeric parts/);
  });
});
