/**
 * restrictToOwner: mkdir/chmod 0700 on POSIX; on Windows, one PowerShell script that creates
 * the root with its DACL or sets it; on both, a root or an entry in it that another account
 * owns is refused, unchanged. No PowerShell runs here: the Windows script is checked as text.
 */
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerOnlyAcl, OWNER_ONLY_SDDL, parseAclResult, restrictToOwner } from '../../../src/content/owner-only.js';
import type { RunProgram } from '../../../src/programs.js';
import { CtrimgError } from '../../../src/errors.js';

const scriptOf = (root: string) => ownerOnlyAcl(root).at(-1)!;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** A PowerShell stand-in that records the script and prints `output`. */
const printing = (output: string, calls: string[][] = []): RunProgram => async (exe, args) => (calls.push([exe, ...args]), output);

describe('content/owner-only', () => {
  describe('on Windows', () => {
    it('runs one non-interactive PowerShell script, which prints restricted once the DACL is set', async () => {
      const calls: string[][] = [];
      await restrictToOwner('C:\\ProgramData\\ctrimg', 'win32', printing('restricted\r\n', calls));
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]!.slice(0, 5), ['powershell.exe', '-NoLogo', '-NoProfile', '-NonInteractive', '-Command']);
      assert.equal(calls[0]![5], scriptOf('C:\\ProgramData\\ctrimg'));
    });

    it('creates a missing root with owner and DACL, checks the owner by SID, Administrators or SYSTEM, then sets the DACL alone', () => {
      const script = scriptOf('C:\\ProgramData\\ctrimg');
      const at = (text: string) => {
        const i = script.indexOf(text);
        assert.ok(i >= 0, `the script has ${text}: ${script}`);
        return i;
      };
      const create = at("if (-not (Test-Path -LiteralPath $p)) { $new = New-Object System.Security.AccessControl.DirectorySecurity; $new.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); [void][IO.Directory]::CreateDirectory($p, $new) }");
      at(`$sddl = '${OWNER_ONLY_SDDL}'`);
      const ours = at("$ours = 'S-1-5-32-544', 'S-1-5-18'");
      const sid = at('GetOwner([Security.Principal.SecurityIdentifier]).Value');
      const rootRefused = at("if ($ours -notcontains $o) { 'root ' + $o; exit 0 }");
      const entries = at('Get-ChildItem -LiteralPath $p -Force');
      const link = at('[IO.FileAttributes]::ReparsePoint');
      const entriesRefused = at('if ($foreign.Count -gt 0) { $foreign; exit 0 }');
      const setAcl = at("$acl.SetSecurityDescriptorSddlForm($sddl, 'Access'); Set-Acl -LiteralPath $p -AclObject $acl; 'restricted'");
      assert.ok(create < ours && ours < sid && sid < rootRefused && rootRefused < entries && entries < link && link < entriesRefused && entriesRefused < setAcl, 'in that order');
      assert.equal(script.split('Set-Acl').length, 2, 'the DACL is set in one place only');
    });

    it('gives a DACL of full control for Administrators and SYSTEM only, protected from above, inherited below, owner Administrators', () => {
      const m = /^O:BAD:P((?:\([^)]*\))+)$/.exec(OWNER_ONLY_SDDL);
      assert.ok(m, OWNER_ONLY_SDDL);
      const aces = [...m[1]!.matchAll(/\(([^)]*)\)/g)].map((a) => a[1]!.split(';'));
      assert.deepEqual(aces.map(([type, flags, rights, , , who]) => [type, flags, rights, who]), [
        ['A', 'OICI', 'FA', 'BA'],
        ['A', 'OICI', 'FA', 'SY'],
      ]);
    });

    it('hands PowerShell an absolute path', async () => {
      const calls: string[][] = [];
      await restrictToOwner('D:\\stores\\..\\ctrimg\\', 'win32', printing('restricted', calls));
      const encoded = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(calls[0]!.at(-1)!)![1]!;
      assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), 'D:\\ctrimg');
    });

    it('passes any path exactly: quotes, $, ;, backticks, brackets and non-ASCII never reach the script as text', () => {
      const root = "D:\\it's ‘odd’ $(x); `n [1] \"q\" ü\\ctrimg";
      const script = scriptOf(root);
      const encoded = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(script)?.[1];
      assert.ok(encoded, script);
      assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), root);
      const plain = 'C:\\x';
      assert.equal(script.replace(encoded, '…'), scriptOf(plain).replace(b64(plain), '…'), 'the path appears nowhere else');
    });

    it('refuses a root another account owns, in one line naming it and its owner, with STORE_NOT_OURS', async () => {
      const run = printing('root S-1-5-21-3623811015-3361044348-30300820-1013\r\n');
      await assert.rejects(restrictToOwner('C:\\ProgramData\\ctrimg', 'win32', run), (err: unknown) => {
        assert.ok(err instanceof CtrimgError);
        assert.equal(err.code, 'STORE_NOT_OURS');
        assert.equal(err.exitCode, 1);
        assert.equal(
          err.message,
          'the store root C:\\ProgramData\\ctrimg belongs to S-1-5-21-3623811015-3361044348-30300820-1013, not to Administrators or SYSTEM; ctrimg does not take over what another account made, and changed nothing',
        );
        assert.match(err.hint ?? '', /remove it, or give a store you trust to Administrators with takeown \/a \/r and icacls \/reset \/t/);
        return true;
      });
    });

    it('refuses a root holding an entry another account owns or a link, naming the first and counting the rest', async () => {
      const run = printing(`entry link ${b64('layers')}\r\nentry S-1-5-21-1-2-3-1001 ${b64('cöntainers')}\r\nentry unreadable ${b64('x')}\r\n`);
      await assert.rejects(
        restrictToOwner('C:\\ProgramData\\ctrimg', 'win32', run),
        (err: unknown) =>
          err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' &&
          err.message.startsWith('C:\\ProgramData\\ctrimg\\layers in the store root is a link (and 2 more entries); ctrimg does not take over'),
      );
    });

    it('reads what the script prints, and nothing else', () => {
      assert.deepEqual(parseAclResult('restricted\r\n'), []);
      assert.deepEqual(parseAclResult('root S-1-5-32-545'), [{ owner: 'S-1-5-32-545' }]);
      assert.deepEqual(parseAclResult(`entry S-1-5-21-9 ${b64('lay ers')}\nentry unreadable ${b64('ü')}`), [
        { owner: 'S-1-5-21-9', name: 'lay ers' },
        { owner: 'unreadable', name: 'ü' },
      ]);
      for (const odd of ['', 'Restricted', 'restricted\nrestricted', 'root', 'entry S-1-5-18', `root S-1-5-18\nrestricted`]) assert.equal(parseAclResult(odd), undefined, JSON.stringify(odd));
    });

    it('fails with STORE_PERMISSIONS, in one line naming the root, when PowerShell fails or prints something else', async () => {
      const failing: RunProgram = async () => Promise.reject(new Error('powershell.exe exited with code 1: Set-Acl : Attempted to perform an unauthorized operation.'));
      for (const [run, says] of [
        [failing, 'powershell.exe exited with code 1: Set-Acl : Attempted to perform an unauthorized operation.'],
        [printing(''), `powershell.exe printed neither 'restricted' nor an owner: ""`],
      ] as const) {
        await assert.rejects(restrictToOwner('D:\\store', 'win32', run), (err: unknown) => {
          assert.ok(err instanceof CtrimgError);
          assert.equal(err.code, 'STORE_PERMISSIONS');
          assert.equal(err.message, `cannot make the store root D:\\store private to its owner: ${says}`);
          assert.match(err.hint ?? '', /elevated \(PowerShell: Run as administrator\)/);
          return true;
        });
      }
    });
  });

  describe('on POSIX', () => {
    let dir: string;
    const me = process.geteuid!();
    beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ctrimg-owner-'))));
    afterEach(async () => {
      await chmod(dir, 0o700);
      await rm(dir, { recursive: true, force: true });
    });
    const noCommand: RunProgram = async () => assert.fail('no command on POSIX');

    it('creates a missing root 0700 with its missing parents', async () => {
      await restrictToOwner(join(dir, 'a', 'store'), 'linux', noCommand);
      assert.equal((await stat(join(dir, 'a', 'store'))).mode & 0o777, 0o700);
    });

    it('sets 0700 on a root others can read or enter, and leaves a private one alone', async () => {
      await chmod(dir, 0o751);
      await restrictToOwner(dir, 'linux', noCommand);
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      await chmod(dir, 0o500);
      await restrictToOwner(dir, 'linux');
      assert.equal((await stat(dir)).mode & 0o777, 0o500, "a mode narrower than 0700 is the owner's choice");
    });

    it('refuses, leaving its mode, a root that is not owned by the account ctrimg runs as', async () => {
      await chmod(dir, 0o755);
      const other = me + 4242;
      await assert.rejects(
        restrictToOwner(dir, 'linux', noCommand, other),
        (err: unknown) =>
          err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && !err.message.includes('\n') &&
          err.message === `the store root ${dir} belongs to uid ${me}, not to this account (uid ${other}); ctrimg does not take over what another account made, and changed nothing` &&
          /chown -R/.test(err.hint ?? ''),
      );
      assert.equal((await stat(dir)).mode & 0o777, 0o755);
    });

    it('as root: refuses a root made by another user, and one of ours holding their directory, changing neither', async () => {
      assert.equal(me, 0, 'run as root, as the e2e suite is');
      const theirs = join(dir, 'theirs');
      await mkdir(join(theirs, 'layers'), { recursive: true, mode: 0o777 });
      await chmod(theirs, 0o777);
      await chown(theirs, 65534, 65534);
      await assert.rejects(restrictToOwner(theirs, 'linux', noCommand), (err: unknown) => err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && err.message.includes('belongs to uid 65534, not to this account (uid 0)'));
      assert.equal((await stat(theirs)).mode & 0o777, 0o777);

      const ours = join(dir, 'ours');
      await mkdir(join(ours, 'layers'), { recursive: true });
      await mkdir(join(ours, 'containers'));
      await chmod(ours, 0o755);
      await chown(join(ours, 'layers'), 65534, 65534);
      await assert.rejects(
        restrictToOwner(ours, 'linux', noCommand),
        (err: unknown) => err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && err.message.startsWith(`${join(ours, 'layers')} in the store root belongs to uid 65534, not to this account (uid 0);`),
      );
      assert.equal((await stat(ours)).mode & 0o777, 0o755);
    });
  });
});
