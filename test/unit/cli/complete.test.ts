/**
 * Tab completion's candidates (src/cli/complete.ts) over the registered cmdlets, and the scripts
 * the shells source (src/cli/completion-scripts.ts). bash running its script is tested in
 * test/e2e/completion.test.ts.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { cmdlets } from '../../../cmdlets/index.js';
import { complete, completeWords } from '../../../src/cli/complete.js';
import { completionScript } from '../../../src/cli/completion-scripts.js';
import { runCli } from '../../../src/cli/run.js';

/** The candidates for the command line `ctrimg <line>`, the cursor at its end. */
const candidates = (line: string) => completeWords(cmdlets, line.split(' '));

describe('tab completion', () => {
  describe('cmdlet names', () => {
    it('completes a prefix of a cmdlet name, case aside, in its PowerShell spelling', () => {
      for (const typed of ['Get-C', 'get-c', 'GET-C']) {
        assert.deepEqual(candidates(typed), ['Get-Command', 'Get-Container', 'Get-ContainerImage', 'Get-ContainerImageSource']);
      }
      assert.deepEqual(candidates('Remove-'), ['Remove-Container', 'Remove-ContainerImage']);
      assert.deepEqual(candidates('rm'), ['rmi']);
      assert.deepEqual(candidates('Frob'), []);
    });

    it('offers every command and help on an empty word, and cmdlet names after help', () => {
      const all = candidates('');
      assert.deepEqual([...all].sort(), [...cmdlets.map((c) => c.name), 'help'].sort());
      assert.deepEqual(candidates('help Save-'), ['Save-ContainerImage']);
    });
  });

  describe('parameter names', () => {
    it("completes the cmdlet's parameters in PowerShell form, in declared order, the common ones too", () => {
      assert.deepEqual(candidates('Install-ContainerImage -Re'), ['-RequiredVersion', '-Reference', '-Repository']);
      assert.deepEqual(candidates('install-containerimage -re'), ['-RequiredVersion', '-Reference', '-Repository']);
      assert.deepEqual(candidates('Get-ContainerImage -O'), ['-OutputFormat']);
      assert.ok(candidates('Remove-Container -').includes('-WhatIf'));
    });

    it('completes POSIX forms after --', () => {
      assert.deepEqual(candidates('Install-ContainerImage --re'), ['--required-version', '--reference', '--repository']);
      assert.deepEqual(candidates('Install-ContainerImage --required-v'), ['--required-version']);
      assert.deepEqual(candidates('Get-ContainerImage --output'), ['--output-format']);
    });

    it('does not offer again a parameter already given, unless it takes a list', () => {
      assert.deepEqual(candidates('Install-ContainerImage -Reference x -Re'), ['-RequiredVersion', '-Repository']);
      assert.deepEqual(candidates('Register-ContainerImageSource -Mirror a -Mi'), ['-Mirror']);
    });

    it("completes a docker-style verb's flags in docker's form", () => {
      assert.deepEqual(candidates('images --no'), ['--no-trunc']);
      assert.deepEqual(candidates('images -d'), ['--digests']);
    });
  });

  describe('values', () => {
    it('completes the formats the cmdlet renders after -OutputFormat', () => {
      assert.deepEqual(candidates('Install-ContainerImage -OutputFormat '), ['Table', 'Json']);
      assert.deepEqual(candidates('Get-ContainerImage -OutputFormat '), ['Table', 'Json', 'Dot']);
      assert.deepEqual(candidates('Get-ContainerImage --output-format j'), ['Json']);
    });

    it("completes a parameter's choices, and nothing for a free value (the shell then offers file names)", () => {
      assert.deepEqual(candidates('Save-ContainerImage -Format '), ['oci', 'docker']);
      assert.deepEqual(candidates('Install-ContainerImage -Importer h'), ['hcs']);
      assert.deepEqual(candidates('Install-ContainerImage -Path '), []);
      assert.deepEqual(candidates('Install-ContainerImage -WhatIf '), [], 'a switch takes no value');
    });

    it("completes completion's shells", () => {
      assert.deepEqual(candidates('completion '), ['bash', 'powershell']);
      assert.deepEqual(candidates('completion p'), ['powershell']);
    });
  });

  describe('the endpoint', () => {
    it('reads the position of the word being completed, an empty word when fewer words come', () => {
      assert.deepEqual(complete(cmdlets, ['2', 'Install-ContainerImage', '-Re']), candidates('Install-ContainerImage -Re'));
      assert.deepEqual(complete(cmdlets, ['3', 'Install-ContainerImage', '-OutputFormat']), ['Table', 'Json']);
      assert.deepEqual(complete(cmdlets, ['x', 'Get-C']), []);
      assert.deepEqual(complete(cmdlets, []), []);
    });

    it('answers `ctrimg __complete` with one candidate a line, and nothing on stderr, whatever it is given', async () => {
      for (const [argv, expected] of [
        [['__complete', '1', 'Get-ContainerI'], 'Get-ContainerImage\nGet-ContainerImageSource\n'],
        [['__complete', '2', 'Get-Nothing', '-'], ''],
        [['__complete'], ''],
      ] as const) {
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let out = '';
        let err = '';
        stdout.on('data', (d: Buffer) => (out += d.toString()));
        stderr.on('data', (d: Buffer) => (err += d.toString()));
        const code = await runCli([...argv], cmdlets, { stdin: new PassThrough(), stdout, stderr, stdinIsTTY: true, signals: new EventEmitter() });
        assert.equal(code, 0);
        assert.equal(out, expected);
        assert.equal(err, '');
      }
    });
  });

  describe('scripts', () => {
    it('bash: one function handing COMP_WORDS up to the cursor, with its position, to the endpoint', () => {
      const script = completionScript('bash');
      assert.match(script, /COMPREPLY=\(\$\(ctrimg __complete "\$COMP_CWORD" "\$\{COMP_WORDS\[@\]:1:COMP_CWORD\}" 2>\/dev\/null\)\)/);
      assert.match(script, /^complete -o default -F _ctrimg ctrimg$/m);
    });

    it('powershell: a native argument completer that hands the words before the cursor, with the position, to the endpoint', () => {
      // Not run: pwsh is not installed here. Checked for its shape: one call of the endpoint,
      // brackets balanced, the command name registered.
      const script = completionScript('powershell');
      assert.match(script, /^Register-ArgumentCompleter -Native -CommandName ctrimg -ScriptBlock \{$/m);
      assert.match(script, /param\(\$wordToComplete, \$commandAst, \$cursorPosition\)/);
      assert.match(script, /\$commandAst\.CommandElements \| Select-Object -Skip 1 \| Where-Object \{ \$_\.Extent\.StartOffset -lt \$cursorPosition \}/);
      assert.match(script, /\$position = if \(\$wordToComplete\) \{ \$words\.Count \} else \{ \$words\.Count \+ 1 \}/);
      assert.match(script, /^ {4}ctrimg __complete \$position @words 2>\$null \| ForEach-Object \{$/m);
      assert.match(script, /\[System\.Management\.Automation\.CompletionResult\]::new\(\$_, \$_, /);
      for (const [open, close] of [['{', '}'], ['(', ')'], ['[', ']']]) {
        assert.equal(script.split(open).length, script.split(close).length, `${open} and ${close} balance`);
      }
      assert.ok(script.split('\n').length <= 12, 'tiny: the logic is in ctrimg __complete');
    });
  });
});
