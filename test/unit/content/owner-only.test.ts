/** restrictToOwner: chmod 0700 on POSIX; on Windows, the exact PowerShell command that sets the DACL. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerOnlyAcl, restrictToOwner, type RunCommand } from '../../../src/content/owner-only.js';
import { CtrimgError } from '../../../src/errors.js';

describe('content/owner-only', () => {
  it('on Windows, replaces the whole DACL with Administrators and SYSTEM only, protected, through PowerShell', async () => {
    const calls: Array<[string, string[]]> = [];
    const run: RunCommand = async (exe, args) => void calls.push([exe, args]);
    await restrictToOwner('C:\\ProgramData\\ctrimg', 'win32', run);
    assert.deepEqual(calls, [
      [
        'powershell.exe',
        [
          '-NoLogo',
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          "$ErrorActionPreference = 'Stop'; " +
            "$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('QzpcUHJvZ3JhbURhdGFcY3RyaW1n')); " +
            '$acl = Get-Acl -LiteralPath $p; ' +
            "$acl.SetSecurityDescriptorSddlForm('D:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)', 'Access'); " +
            'Set-Acl -LiteralPath $p -AclObject $acl',
        ],
      ],
    ]);
  });

  it('on Windows, passes any path exactly: quotes, $, ;, backticks, brackets and non-ASCII never reach the script as text', () => {
    const root = "D:\\it's ‘odd’ $(x); `n [1] \"q\" ü\\ctrimg";
    const script = ownerOnlyAcl(root).at(-1)!;
    const encoded = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(script)?.[1];
    assert.ok(encoded, script);
    assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), root);
    const plain = 'C:\\x';
    assert.equal(script.replace(encoded, '…'), ownerOnlyAcl(plain).at(-1)!.replace(Buffer.from(plain).toString('base64'), '…'), 'the path appears nowhere else');
  });

  it('on Windows, fails in one line naming the root when PowerShell fails', async () => {
    const run: RunCommand = async () => Promise.reject(new Error('powershell.exe exited with code 1: Set-Acl : Attempted to perform an unauthorized operation.'));
    await assert.rejects(restrictToOwner('D:\\store', 'win32', run), (err: unknown) => {
      assert.ok(err instanceof CtrimgError);
      assert.equal(err.code, 'STORE_PERMISSIONS');
      assert.match(err.message, /^cannot make the store root D:\\store private to its owner: powershell\.exe exited with code 1: Set-Acl : Attempted to perform an unauthorized operation\.$/);
      return true;
    });
  });

  it('on POSIX, sets 0700 on a root others can read or enter, and leaves a private one alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrimg-owner-'));
    try {
      await chmod(dir, 0o751);
      await restrictToOwner(dir, 'linux', async () => assert.fail('no command on POSIX'));
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      await chmod(dir, 0o500);
      await restrictToOwner(dir, 'linux');
      assert.equal((await stat(dir)).mode & 0o777, 0o500, 'a mode narrower than 0700 is the owner\'s choice');
    } finally {
      await chmod(dir, 0o700);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
