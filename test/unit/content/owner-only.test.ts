/** restrictToOwner: mkdir/chmod 0700 on POSIX; on Windows, the exact PowerShell command that creates the root with its DACL or sets it. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerOnlyAcl, OWNER_ONLY_SDDL, restrictToOwner } from '../../../src/content/owner-only.js';
import type { RunProgram } from '../../../src/programs.js';
import { CtrimgError } from '../../../src/errors.js';

describe('content/owner-only', () => {
  it('on Windows, creates a missing root with Administrators as owner and a DACL of Administrators and SYSTEM only, else sets both whole, through PowerShell', async () => {
    const calls: Array<[string, string[]]> = [];
    const run: RunProgram = async (exe, args) => {
      calls.push([exe, args]);
      return '';
    };
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
            "$sddl = 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'; " +
            'if (-not (Test-Path -LiteralPath $p)) { $new = New-Object System.Security.AccessControl.DirectorySecurity; ' +
            "$new.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); [void][IO.Directory]::CreateDirectory($p, $new) }; " +
            '$acl = Get-Acl -LiteralPath $p; ' +
            "$acl.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); " +
            'Set-Acl -LiteralPath $p -AclObject $acl',
        ],
      ],
    ]);
  });

  it("has moby's daemon-root DACL in its mapped form (GA on a directory is FA), protected, inherited below, owned by Administrators", () => {
    // moby: daemon/internal/system/filesys_windows.go SddlAdministratorsLocalSystem.
    const moby = 'D:P(A;OICI;GA;;;BA)(A;OICI;GA;;;SY)';
    assert.equal(OWNER_ONLY_SDDL, `O:BA${moby.replaceAll(';GA;', ';FA;')}`);
  });

  it('on Windows, hands PowerShell an absolute path', async () => {
    const given: string[] = [];
    const run: RunProgram = async (_exe, args) => {
      const encoded = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(args.at(-1)!)![1]!;
      given.push(Buffer.from(encoded, 'base64').toString('utf8'));
      return '';
    };
    await restrictToOwner('D:\\stores\\..\\ctrimg\\', 'win32', run);
    assert.deepEqual(given, ['D:\\ctrimg']);
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
    const run: RunProgram = async () => Promise.reject(new Error('powershell.exe exited with code 1: Set-Acl : Attempted to perform an unauthorized operation.'));
    await assert.rejects(restrictToOwner('D:\\store', 'win32', run), (err: unknown) => {
      assert.ok(err instanceof CtrimgError);
      assert.equal(err.code, 'STORE_PERMISSIONS');
      assert.match(err.message, /^cannot make the store root D:\\store private to its owner: powershell\.exe exited with code 1: Set-Acl : Attempted to perform an unauthorized operation\.$/);
      assert.match(err.hint ?? '', /elevated \(PowerShell: Run as administrator\)/);
      return true;
    });
  });

  it('on POSIX, creates a missing root 0700 with its missing parents', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrimg-owner-'));
    try {
      await restrictToOwner(join(dir, 'a', 'store'), 'linux', async () => assert.fail('no command on POSIX'));
      assert.equal((await stat(join(dir, 'a', 'store'))).mode & 0o777, 0o700);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
