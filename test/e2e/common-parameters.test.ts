/**
 * PowerShell's common parameters end to end, through the executable on a real store: a
 * destructive cmdlet with no terminal to ask on refuses and changes nothing, -WhatIf changes
 * no byte of the store or of the files it names, -Verbose says what each change does, and
 * -ErrorAction decides whether the objects after a failed one are attempted.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { fixtureRegistry } from '../support/stores.js';

/** Every entry under `dir` with its type and, for a file, the hash of its bytes; SQLite's -wal and -shm aside. */
async function bytesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (/\.db-(wal|shm)$/.test(name)) continue;
      const st = await lstat(path);
      if (st.isDirectory()) {
        out.push(`${rel}/ ${st.mode.toString(8)}`);
        await walk(path);
      } else if (st.isSymbolicLink()) {
        out.push(`${rel} -> ${await readlink(path)}`);
      } else {
        out.push(`${rel} ${st.mode.toString(8)} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
      }
    }
  };
  await walk(dir);
  return out;
}

describe('end to end: -WhatIf, -Confirm, -Force, -Verbose and -ErrorAction', function () {
  this.timeout(180_000);
  const env = fixtureRegistry();
  let root: string;
  let files: string;

  const run = (args: string[], stdin?: string) => ctrimg(root, args, { stdin, timeoutMs: 60_000 });
  const installed = async () => (await ctrimgJson<{ Name: string }>(root, ['Get-ContainerImage'])).map((i) => i.Name).sort();
  const containers = async () => (await ctrimgJson<{ Name: string }>(root, ['Get-Container'])).map((c) => c.Name).sort();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-common-'));
    files = await mkdtemp(join(tmpdir(), 'ctrimg-common-files-'));
    for (const reference of [env.fx.child.reference, env.fx.multi.reference]) {
      const r = await run(['Install-ContainerImage', '-Reference', reference, '-Insecure', '-Platform', 'linux/amd64', '-Quiet']);
      assert.equal(r.code, 0, r.stderr);
    }
    const c = await run(['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'c1']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(await installed(), ['Multi', 'NanoServer', 'WebApp']);
  });
  after(async () => {
    for (const dir of [root, files]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a destructive cmdlet with no terminal to ask on refuses with exit 2 and changes nothing, piped input included', async () => {
    const before = await bytesOf(root);
    const refusals = [
      await run(['Remove-ContainerImage', '-Name', 'Multi']),
      await run(['Remove-ContainerImage'], (await run(['Get-ContainerImage', '-Name', 'Multi', '-OutputFormat', 'Json'])).stdout),
      await run(['Remove-Container', '-Name', 'c1']),
      await run(['Repair-ContainerImageStore', '-Fix']),
      // -Confirm asks even with -Force, so it too cannot go on without a terminal.
      await run(['Remove-Container', '-Name', 'c1', '-Force', '-Confirm']),
    ];
    for (const r of refusals) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^[A-Za-z-]+: the operation "(Remove|Repair)" on target "[^"]+" needs confirmation, and stdin is not a terminal to ask on; nothing was changed \(.*\) \[CONFIRMATION_REQUIRED\]\n$/);
    }
    assert.match(refusals[0]!.stderr, /on target "Multi[^"]*".*\(give -Force or -Confirm:\$false to go on without asking, or -WhatIf to see what would be done\)/);
    assert.deepEqual(await bytesOf(root), before, 'not a byte of the store changed');
    assert.deepEqual(await installed(), ['Multi', 'NanoServer', 'WebApp']);
    assert.deepEqual(await containers(), ['c1']);
  });

  it('-WhatIf changes no byte of the store or of the files it would write, and says what it would do per object', async () => {
    const archive = join(files, 'multi.tar');
    const beforeStore = await bytesOf(root);
    const beforeFiles = await bytesOf(files);

    const images = await run(['Remove-ContainerImage', '-Name', 'Multi,WebApp', '-WhatIf']);
    assert.equal(images.code, 4, 'the refusal a removal would meet, with its exit code');
    assert.match(images.stderr, /^What if: Performing the operation "Remove" on target "Multi[^"]*"\.\nRemove-ContainerImage: cannot remove 'WebApp 1\.2\.0\.0': it is used by container 'c1' \(Off\) .*\[IMAGE_IN_USE\]\n$/);

    const container = await run(['Remove-Container', '-Name', 'c1', '-WhatIf', '-Confirm']);
    assert.deepEqual([container.code, container.stderr], [0, 'What if: Performing the operation "Remove" on target "c1".\n'], '-WhatIf wins over -Confirm');

    const made = await run(['New-Container', '-ContainerImageName', 'NanoServer', '-Name', 'c9', '-WhatIf']);
    assert.deepEqual([made.code, made.stdout, made.stderr], [0, '', 'What if: Performing the operation "New" on target "c9 from NanoServer".\n']);

    const saved = await run(['Save-ContainerImage', '-Reference', env.fx.base.reference, '-Insecure', '-Path', archive, '-WhatIf']);
    assert.deepEqual([saved.code, saved.stderr], [0, `What if: Performing the operation "Save" on target "${env.fx.base.reference} to ${archive}".\n`]);

    const source = await run(['Register-ContainerImageSource', '-Name', 'other', '-Location', 'http://127.0.0.1:1', '-Insecure', '-WhatIf']);
    assert.deepEqual([source.code, source.stderr], [0, 'What if: Performing the operation "Register" on target "other (http://127.0.0.1:1)".\n']);

    const repair = await run(['Repair-ContainerImageStore', '-Fix', '-WhatIf']);
    assert.equal(repair.code, 0, repair.stderr);
    assert.match(repair.stderr, /^What if: Performing the operation "Repair" on target "[^"]+"\.\n$/);

    const install = await run(['Install-ContainerImage', '-Reference', env.fx.multi.reference, '-Insecure', '-Platform', 'windows/amd64', '-WhatIf']);
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stderr, /What if: installing Multi.* \(1 layers\), windows\/amd64/);

    assert.deepEqual(await bytesOf(root), beforeStore, 'not a byte of the store changed');
    assert.deepEqual(await bytesOf(files), beforeFiles, 'no archive was written');
  });

  it('-Verbose says what each change does, before it does it; without it nothing more is written', async () => {
    const quiet = await run(['New-Container', '-ContainerImageName', 'NanoServer', '-Name', 'v1']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /VERBOSE/);
    const verbose = await run(['New-Container', '-ContainerImageName', 'NanoServer', '-Name', 'v2', '-Verbose']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /^VERBOSE: Performing the operation "New" on target "v2 from NanoServer"\.\n/);

    const removed = await run(['Remove-Container', '-Name', 'v1,v2', '-Force', '-Verbose']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(
      removed.stderr,
      [
        'VERBOSE: Performing the operation "Remove" on target "v1".',
        'VERBOSE: Performing the operation "Remove" on target "v2".',
        'Removed container v1',
        'Removed container v2',
        '',
      ].join('\n'),
    );
    assert.deepEqual(await containers(), ['c1']);
  });

  it('-ErrorAction Stop attempts nothing after the first failure; Continue goes on; both exit 4', async () => {
    // WebApp (a child, so decided first) is refused: container c1 uses it. Multi is free.
    const stop = await run(['Remove-ContainerImage', '-Name', 'WebApp,Multi', '-Force', '-ErrorAction', 'Stop', '-OutputFormat', 'Json']);
    assert.equal(stop.code, 4, stop.stderr);
    assert.deepEqual((JSON.parse(stop.stdout) as { Name: string; Outcome: string }[]).map((o) => [o.Name, o.Outcome]), [['WebApp', 'Refused'], ['Multi', 'Skipped']]);
    assert.equal(stop.stderr.trim().split('\n').length, 1, stop.stderr);
    assert.match(JSON.parse(stop.stderr).Message as string, /^cannot remove 'WebApp 1\.2\.0\.0': it is used by container 'c1'/);
    assert.deepEqual(await installed(), ['Multi', 'NanoServer', 'WebApp'], 'Multi was not attempted');

    const silent = await run(['Remove-ContainerImage', '-Name', 'WebApp', '-Force', '-EA', 'SilentlyContinue']);
    assert.deepEqual([silent.code, silent.stderr], [4, ''], 'no error line, but still a failing exit code');

    const cont = await run(['Remove-ContainerImage', '-Name', 'WebApp,Multi', '-Force']);
    assert.equal(cont.code, 4, cont.stderr);
    assert.match(cont.stderr, /^Removed image Multi.*\n.*\nRemove-ContainerImage: cannot remove 'WebApp 1\.2\.0\.0': it is used by container 'c1' .*\[IMAGE_IN_USE\]\n$/);
    assert.deepEqual(await installed(), ['NanoServer', 'WebApp']);
  });

  it('-Confirm:$false removes without asking, and nothing asks when there is nothing to remove', async () => {
    const r = await run(['Remove-Container', '-Name', 'c1', '-Confirm:$false']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await containers(), []);
    // NanoServer alone would be refused (WebApp is built on it): with nothing that would go, nothing is asked, even off a terminal.
    const refused = await run(['Remove-ContainerImage', '-Name', 'NanoServer']);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /^Remove-ContainerImage: cannot remove 'NanoServer 10\.0\.17763\.1': it is used by image 'WebApp 1\.2\.0\.0' .*\[IMAGE_IN_USE\]\n$/);
  });
});
