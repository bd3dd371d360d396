/**
 * bash completion as a user gets it: real bash sources what `ctrimg completion bash` prints, and
 * its completion function, called as bash calls it on TAB (COMP_WORDS and COMP_CWORD set), runs
 * the built executable and fills COMPREPLY. The completion never creates a store.
 * PowerShell's script is not run here (pwsh is not installed); test/unit/cli/complete.test.ts
 * checks its shape.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

describe('bash completion', function () {
  this.timeout(30_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-completion-'));
    // `ctrimg` on PATH, as an installed package puts it there.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'ctrimg'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    await chmod(join(bin, 'ctrimg'), 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, CTRIMG_ROOT: join(dir, 'store') };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** COMPREPLY after bash's completion of `words` (after `ctrimg`), the cursor in the last one. */
  async function compreply(...words: string[]): Promise<string[]> {
    const quoted = ['ctrimg', ...words].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    const script = [
      'source <(ctrimg completion bash)',
      // What bash itself would run on TAB: the function `complete -p` names.
      `[[ "$(complete -p ctrimg)" == "complete -o default -F _ctrimg ctrimg" ]] || { echo "not registered: $(complete -p ctrimg)" >&2; exit 1; }`,
      `COMP_WORDS=(${quoted})`,
      `COMP_CWORD=${words.length}`,
      '_ctrimg ctrimg "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['--norc', '--noprofile', '-c', script], { env });
    return stdout.split('\n').filter((l) => l !== '');
  }

  it('completes cmdlet names, case aside', async () => {
    assert.deepEqual(await compreply('get-c'), ['Get-Command', 'Get-Container', 'Get-ContainerImage', 'Get-ContainerImageSource']);
  });

  it('completes parameter names in PowerShell and POSIX forms', async () => {
    assert.deepEqual(await compreply('Install-ContainerImage', '-Re'), ['-RequiredVersion', '-Reference', '-Repository']);
    assert.deepEqual(await compreply('Install-ContainerImage', '--re'), ['--required-version', '--reference', '--repository']);
  });

  it('completes values after a space (an empty word) and after a prefix', async () => {
    assert.deepEqual(await compreply('Get-ContainerImage', '-OutputFormat', ''), ['Table', 'Json', 'Dot']);
    assert.deepEqual(await compreply('Save-ContainerImage', '-Format', 'd'), ['docker']);
    assert.deepEqual(await compreply('completion', ''), ['bash', 'powershell']);
  });

  it('leaves COMPREPLY empty for a free value (bash then offers file names), and creates no store', async () => {
    assert.deepEqual(await compreply('Install-ContainerImage', '-Path', ''), []);
    assert.equal(existsSync(join(dir, 'store')), false);
  });
});
