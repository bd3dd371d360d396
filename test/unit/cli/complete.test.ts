/**
 * Tab completion's candidates (src/cli/complete.ts) over the registered cmdlets, and the scripts
 * the shells source (src/cli/completion-scripts.ts). bash running its script is tested in
 * test/e2e/completion.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdlets } from '../../../cmdlets/index.js';
import { complete, completeWords } from '../../../src/cli/complete.js';
import { completionScript } from '../../../src/cli/completion-scripts.js';
import { databasePath } from '../../../src/content/layout.js';
import { Store } from '../../../store/index.js';
import { runCaptured } from '../../support/in-process.js';

/** The candidates for the command line `ctrimg <line>`, the cursor at its end. */
const candidates = (line: string) => completeWords(cmdlets, line.split(' '));
const completed = (args: string[]) => complete(cmdlets, args);

describe('tab completion', () => {
  describe('cmdlet names', () => {
    it('completes a prefix of a cmdlet name, case aside, in its PowerShell spelling', async () => {
      for (const typed of ['Get-C', 'get-c', 'GET-C']) {
        assert.deepEqual(await candidates(typed), ['Get-Command', 'Get-Container', 'Get-ContainerImage', 'Get-ContainerImageSource']);
      }
      assert.deepEqual(await candidates('Remove-'), ['Remove-Container', 'Remove-ContainerImage']);
      assert.deepEqual(await candidates('rm'), ['rmi']);
      assert.deepEqual(await candidates('Frob'), []);
    });

    it('offers every command and help on an empty word, and cmdlet names after help', async () => {
      const all = await candidates('');
      assert.deepEqual([...all].sort(), [...cmdlets.map((c) => c.name), 'help'].sort());
      assert.deepEqual(await candidates('help Save-'), ['Save-ContainerImage']);
    });
  });

  describe('parameter names', () => {
    it("completes the cmdlet's parameters in PowerShell form, in declared order, the common ones too", async () => {
      assert.deepEqual(await candidates('Install-ContainerImage -Re'), ['-RequiredVersion', '-Reference', '-Repository']);
      assert.deepEqual(await candidates('install-containerimage -re'), ['-RequiredVersion', '-Reference', '-Repository']);
      assert.deepEqual(await candidates('Get-ContainerImage -O'), ['-OutputFormat']);
      assert.ok((await candidates('Remove-Container -')).includes('-WhatIf'));
    });

    it('completes POSIX forms after --', async () => {
      assert.deepEqual(await candidates('Install-ContainerImage --re'), ['--required-version', '--reference', '--repository']);
      assert.deepEqual(await candidates('Install-ContainerImage --required-v'), ['--required-version']);
      assert.deepEqual(await candidates('Get-ContainerImage --output'), ['--output-format']);
    });

    it('does not offer again a parameter already given, unless it takes a list', async () => {
      assert.deepEqual(await candidates('Install-ContainerImage -Reference x -Re'), ['-RequiredVersion', '-Repository']);
      assert.deepEqual(await candidates('Register-ContainerImageSource -Mirror a -Mi'), ['-Mirror']);
    });

    it("completes a docker-style verb's flags in docker's form", async () => {
      assert.deepEqual(await candidates('images --no'), ['--no-trunc']);
      assert.deepEqual(await candidates('images -d'), ['--digests']);
    });
  });

  describe('values', () => {
    it('completes the formats the cmdlet renders after -OutputFormat', async () => {
      assert.deepEqual(await candidates('Install-ContainerImage -OutputFormat '), ['Table', 'Json']);
      assert.deepEqual(await candidates('Get-ContainerImage -OutputFormat '), ['Table', 'Json', 'Dot']);
      assert.deepEqual(await candidates('Get-ContainerImage --output-format j'), ['Json']);
    });

    it("completes a parameter's choices, and nothing for a free value (the shell then offers file names)", async () => {
      assert.deepEqual(await candidates('Save-ContainerImage -Format '), ['oci', 'docker']);
      assert.deepEqual(await candidates('Install-ContainerImage -Importer h'), ['hcs']);
      assert.deepEqual(await candidates('Install-ContainerImage -Path '), []);
      assert.deepEqual(await candidates('Install-ContainerImage -WhatIf '), [], 'a switch takes no value');
    });

    it("completes completion's shells", async () => {
      assert.deepEqual(await candidates('completion '), ['bash', 'powershell']);
      assert.deepEqual(await candidates('completion p'), ['powershell']);
    });
  });

  describe('installed image names', () => {
    let dir: string;
    const saved = process.env.CTRIMG_ROOT;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ctrimg-complete-'));
    });
    after(() => {
      if (saved === undefined) delete process.env.CTRIMG_ROOT;
      else process.env.CTRIMG_ROOT = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    /** Every file of the root with its size and modification time. */
    const snapshot = (root: string) => readdirSync(root).map((f) => `${f} ${statSync(join(root, f)).size} ${statSync(join(root, f)).mtimeMs}`).sort();

    it('offers none, and creates nothing, where there is no store', async () => {
      process.env.CTRIMG_ROOT = join(dir, 'none');
      assert.deepEqual(await candidates('Get-ContainerImage -Name '), []);
      assert.equal(existsSync(join(dir, 'none')), false);
    });

    it('offers the names of the installed images after -Name and in its position, of Get- and Remove-ContainerImage, reading only', async () => {
      const root = join(dir, 'store');
      mkdirSync(root);
      const store = Store.open(databasePath(root));
      const insert = store.db.prepare(
        "INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed) VALUES (?, ?, ?, ?, 'linux/amd64', 0, 'now')",
      );
      for (const [i, name] of ['WebApp', 'NanoServer', 'nanoTools', 'NanoServer'].entries()) insert.run(name, `r/${i}`, `m${i}`, `c${i}`);
      store.close();
      process.env.CTRIMG_ROOT = root;
      const before = snapshot(root);
      assert.deepEqual(await candidates('Get-ContainerImage -Name '), ['NanoServer', 'nanoTools', 'WebApp']);
      assert.deepEqual(await candidates('Get-ContainerImage nano'), ['NanoServer', 'nanoTools']);
      assert.deepEqual(await candidates('Remove-ContainerImage -Name w'), ['WebApp']);
      assert.deepEqual(await candidates('Get-ContainerImage -ChildOf '), [], 'only where the spec asks for them');
      // A reader of a WAL database makes SQLite's shared-memory index beside it (-shm, and an empty -wal), as any reader does.
      assert.deepEqual(snapshot(root).filter((f) => !/^ctrimg\.db-(shm|wal) /.test(f)), before, 'the store is unchanged');
    });
  });

  describe('the endpoint', () => {
    it('reads the position of the word being completed, an empty word when fewer words come', async () => {
      assert.deepEqual(await completed(['2', 'Install-ContainerImage', '-Re']), await candidates('Install-ContainerImage -Re'));
      assert.deepEqual(await completed(['3', 'Install-ContainerImage', '-OutputFormat']), ['Table', 'Json']);
      assert.deepEqual(await completed(['x', 'Get-C']), []);
      assert.deepEqual(await completed([]), []);
    });

    it('answers `ctrimg __complete` with one candidate a line, and nothing on stderr, whatever it is given', async () => {
      for (const [argv, expected] of [
        [['__complete', '1', 'Get-ContainerI'], 'Get-ContainerImage\nGet-ContainerImageSource\n'],
        [['__complete', '2', 'Get-Nothing', '-'], ''],
        [['__complete'], ''],
      ] as const) {
        const r = await runCaptured([...argv], cmdlets);
        assert.deepEqual(r, { code: 0, stdout: expected, stderr: '' });
      }
    });
  });

  describe('scripts', () => {
    it('bash: one function handing COMP_WORDS up to the cursor, with its position, to the endpoint', async () => {
      const script = completionScript('bash');
      assert.match(script, /COMPREPLY=\(\$\(ctrimg __complete "\$COMP_CWORD" "\$\{COMP_WORDS\[@\]:1:COMP_CWORD\}" 2>\/dev\/null\)\)/);
      assert.match(script, /^complete -o default -F _ctrimg ctrimg$/m);
    });

    it('powershell: a native argument completer that hands the words before the cursor, with the position, to the endpoint', async () => {
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
