/**
 * restrictToOwner: mkdir/chmod 0700 on POSIX; on Windows, one PowerShell script that creates
 * the root with its DACL or sets it alone; on both, a root, an entry in it, or a link naming
 * it that another account owns is refused, unchanged. No PowerShell runs here: the Windows script is checked as text.
 */
import assert from 'node:assert/strict';
import { chmod, chown, lchown, lstat, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerOnlyAcl, OWNER_ONLY_SDDL, parseAclResult, restrictToOwner } from '../../../src/content/owner-only.js';
import type { RunProgram } from '../../../src/programs.js';
import { CtrimgError } from '../../../src/errors.js';

const scriptOf = (root: string, given?: string) => ownerOnlyAcl(root, given).at(-1)!;
const encodedIn = (script: string) => [...script.matchAll(/FromBase64String\('([A-Za-z0-9+/=]+)'\)/g)].map((m) => m[1]!);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** A PowerShell stand-in that records the script and prints `output`. */
const printing = (output: string, calls: string[][] = []): RunProgram => async (exe, args) => (calls.push([exe, ...args]), output);

describe('content/owner-only', () => {
  describe('on Windows', () => {
    const win = (run: RunProgram) => ({ platform: 'win32' as const, run });
    const NOT_OURS = 'not to Administrators, SYSTEM or this account; ctrimg does not take over what another account made, and changed nothing';

    it('runs one non-interactive PowerShell script, which prints restricted once the DACL is set', async () => {
      const calls: string[][] = [];
      await restrictToOwner('C:\\ProgramData\\ctrimg', 'C:\\ctrimg-link', win(printing('restricted\r\n', calls)));
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]!.slice(0, 5), ['powershell.exe', '-NoLogo', '-NoProfile', '-NonInteractive', '-Command']);
      assert.equal(calls[0]![5], scriptOf('C:\\ProgramData\\ctrimg', 'C:\\ctrimg-link'));
    });

    it('checks a link given as the root, creates a missing root, checks owners by SID, then sets the DACL alone, never the owner', () => {
      const script = scriptOf('C:\\ProgramData\\ctrimg');
      const at = (text: string) => {
        const i = script.indexOf(text);
        assert.ok(i >= 0, `the script has ${text}: ${script}`);
        return i;
      };
      at(`$sddl = '${OWNER_ONLY_SDDL}'`);
      const ours = at("$owners = 'S-1-5-32-544', 'S-1-5-18'; $ours = $owners + [Security.Principal.WindowsIdentity]::GetCurrent().User.Value");
      const sid = at('GetOwner([Security.Principal.SecurityIdentifier]).Value');
      const link = at("$g = Get-Item -LiteralPath $given -Force -ErrorAction SilentlyContinue; if ($g -and (& $isLink $g)) { $o = & $ownerOf $given; if ($ours -notcontains $o) { 'link ' + $o; exit 0 } }");
      const create = at("if (-not (Test-Path -LiteralPath $p)) { $new = New-Object System.Security.AccessControl.DirectorySecurity; $new.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); [void][IO.Directory]::CreateDirectory($p, $new) }");
      const denied = at("$o = & $ownerOf $p; if ($o -eq 'unreadable') { 'denied'; exit 0 }");
      const rootRefused = at("if ($ours -notcontains $o) { 'root ' + $o; exit 0 }");
      const entries = at("$foreign = @(& $check $p '')");
      const deeper = at("if (-not $exact) { foreach ($d in 'blobs', 'blobs\\sha256', 'containers', 'ingest', 'layers', 'leases') {");
      const entriesRefused = at('if ($foreign.Count -gt 0) { $foreign; exit 0 }');
      const setDacl = at("$dacl = New-Object System.Security.AccessControl.DirectorySecurity; $dacl.SetSecurityDescriptorSddlForm($sddl, 'Access'); [IO.Directory]::SetAccessControl($p, $dacl); 'restricted'");
      assert.ok(ours < sid && sid < link && link < create && create < denied && denied < rootRefused && rootRefused < entries && entries < deeper && deeper < entriesRefused && entriesRefused < setDacl, 'in that order');
      assert.doesNotMatch(script, /Set-Acl/, 'Set-Acl would write the owner back');
      assert.equal(script.split('SetAccessControl').length, 2, 'the DACL is set in one place only');
      assert.equal(script.split('-notcontains').length, 4, 'the link, the root and every entry (one check) are checked against $ours, the running account among them');
    });

    it('checks one level further down only while the DACL is not exactly ours, and never inside a layer or container', () => {
      const script = scriptOf('C:\\ProgramData\\ctrimg');
      for (const text of [
        '$rules = @($acl.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]))',
        "$_.AccessControlType -eq 'Allow' -and $_.FileSystemRights -eq 'FullControl' -and -not $_.IsInherited -and $_.InheritanceFlags -eq 'ContainerInherit, ObjectInherit' -and $_.PropagationFlags -eq 'None' -and $owners -contains $_.IdentityReference.Value",
        '$exact = $acl.AreAccessRulesProtected -and $rules.Count -eq 2 -and $granted.Count -eq 2',
        // A directory already found foreign (a link, say) is not listed through.
        "if ($foreign.Count -eq 0 -and (Test-Path -LiteralPath $dp -PathType Container)) { $foreign += @(& $check $dp ($d + '\\')) }",
      ]) assert.ok(script.includes(text), text);
      assert.equal(script.split('Get-ChildItem').length, 2, 'one listing, of one directory at a time');
      assert.doesNotMatch(script, /-Recurse/);
    });

    it('passes over an entry gone between the listing and reading its owner, instead of calling it unreadable', () => {
      const script = scriptOf('C:\\ProgramData\\ctrimg');
      const check = script.slice(script.indexOf('$check = {'), script.indexOf('$foreign = @('));
      assert.ok(
        check.includes("if ($co -eq 'unreadable' -and -not (Test-Path -LiteralPath $c.FullName)) { continue }"),
        'an owner that cannot be read is foreign only while the entry still exists',
      );
      assert.ok(check.indexOf('{ continue }') < check.indexOf("'entry '"), 'checked before the entry is reported');
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

    it('hands PowerShell absolute paths, the real one and the one given', async () => {
      const calls: string[][] = [];
      await restrictToOwner('D:\\stores\\..\\ctrimg\\', 'E:\\a\\..\\link', win(printing('restricted', calls)));
      assert.deepEqual(encodedIn(calls[0]!.at(-1)!).map((e) => Buffer.from(e, 'base64').toString('utf8')), ['D:\\ctrimg', 'E:\\link']);
    });

    it('passes any path exactly: quotes, $, ;, backticks, brackets and non-ASCII never reach the script as text', () => {
      const root = "D:\\it's ‘odd’ $(x); `n [1] \"q\" ü\\ctrimg";
      const given = 'E:\\`$(y)\'';
      const script = scriptOf(root, given);
      assert.deepEqual(encodedIn(script).map((e) => Buffer.from(e, 'base64').toString('utf8')), [root, given]);
      const plain = 'C:\\x';
      assert.equal(script.replace(b64(root), '…').replace(b64(given), '…'), scriptOf(plain).replaceAll(b64(plain), '…'), 'the paths appear nowhere else');
    });

    it('refuses a root another account owns, in one line naming it and its owner, with STORE_NOT_OURS', async () => {
      const run = printing('root S-1-5-21-3623811015-3361044348-30300820-1013\r\n');
      await assert.rejects(restrictToOwner('C:\\ProgramData\\ctrimg', undefined, win(run)), (err: unknown) => {
        assert.ok(err instanceof CtrimgError);
        assert.equal(err.code, 'STORE_NOT_OURS');
        assert.equal(err.exitCode, 1);
        assert.equal(err.message, `the store root C:\\ProgramData\\ctrimg belongs to S-1-5-21-3623811015-3361044348-30300820-1013, ${NOT_OURS}`);
        assert.match(err.hint ?? '', /remove it, or give a store you trust to Administrators with takeown \/a \/r and icacls \/reset \/t/);
        return true;
      });
    });

    it('refuses a root given as a link another account owns, naming the path given', async () => {
      await assert.rejects(
        restrictToOwner('D:\\ctrimg', 'C:\\ProgramData\\ctrimg', win(printing('link S-1-5-21-1-2-3-1001\r\n'))),
        (err: unknown) => err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && err.message === `the store root C:\\ProgramData\\ctrimg is a link that belongs to S-1-5-21-1-2-3-1001, ${NOT_OURS}`,
      );
    });

    it('refuses a root holding an entry another account owns or a link, also one level down, naming the first and counting the rest', async () => {
      const run = printing(`entry link ${b64('layers')}\r\nentry S-1-5-21-1-2-3-1001 ${b64('cöntainers')}\r\nentry unreadable ${b64('x')}\r\n`);
      await assert.rejects(
        restrictToOwner('C:\\ProgramData\\ctrimg', undefined, win(run)),
        (err: unknown) =>
          err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' &&
          err.message.startsWith('C:\\ProgramData\\ctrimg\\layers in the store root is a link (and 2 more entries); ctrimg does not take over'),
      );
      const planted = `blobs\\sha256\\${'a'.repeat(64)}`;
      await assert.rejects(
        restrictToOwner('C:\\ProgramData\\ctrimg', undefined, win(printing(`entry S-1-5-21-1-2-3-1001 ${b64(planted)}\r\n`))),
        (err: unknown) => err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && err.message === `C:\\ProgramData\\ctrimg\\${planted} in the store root belongs to S-1-5-21-1-2-3-1001, ${NOT_OURS}`,
      );
    });

    it('tells a root this account may not read (not elevated) as STORE_PERMISSIONS with the elevate hint, not as foreign', async () => {
      await assert.rejects(restrictToOwner('D:\\store', undefined, win(printing('denied\r\n'))), (err: unknown) => {
        assert.ok(err instanceof CtrimgError);
        assert.equal(err.code, 'STORE_PERMISSIONS');
        assert.equal(err.message, 'cannot make the store root D:\\store private to its owner: this account may not read its owner (access denied)');
        assert.match(err.hint ?? '', /elevated \(PowerShell: Run as administrator\)/);
        return true;
      });
    });

    it('reads what the script prints, and nothing else', () => {
      assert.deepEqual(parseAclResult('restricted\r\n'), []);
      assert.equal(parseAclResult('denied\r\n'), 'denied');
      assert.deepEqual(parseAclResult('root S-1-5-32-545'), [{ owner: 'S-1-5-32-545' }]);
      assert.deepEqual(parseAclResult('link S-1-5-21-9'), [{ owner: 'S-1-5-21-9', rootLink: true }]);
      // ctrimg.db-wal of another user: the script leaves out only the account it runs as.
      assert.deepEqual(parseAclResult(`entry S-1-5-21-9 ${b64('lay ers')}\nentry unreadable ${b64('ü')}\nentry S-1-5-21-1-2-3-500 ${b64('ctrimg.db-wal')}`), [
        { owner: 'S-1-5-21-9', name: 'lay ers' },
        { owner: 'unreadable', name: 'ü' },
        { owner: 'S-1-5-21-1-2-3-500', name: 'ctrimg.db-wal' },
      ]);
      for (const odd of ['', 'Restricted', 'Denied', 'restricted\nrestricted', 'denied\nrestricted', 'root', 'link', 'entry S-1-5-18', `root S-1-5-18\nrestricted`, `root S-1-5-18\ndenied`]) {
        assert.equal(parseAclResult(odd), undefined, JSON.stringify(odd));
      }
    });

    it('fails with STORE_PERMISSIONS, in one line naming the root, when PowerShell fails or prints something else', async () => {
      const failing: RunProgram = async () => Promise.reject(new Error('powershell.exe exited with code 1: Exception calling "SetAccessControl": Attempted to perform an unauthorized operation.'));
      for (const [run, says] of [
        [failing, 'powershell.exe exited with code 1: Exception calling "SetAccessControl": Attempted to perform an unauthorized operation.'],
        [printing(''), `powershell.exe printed neither 'restricted' nor an owner: ""`],
      ] as const) {
        await assert.rejects(restrictToOwner('D:\\store', undefined, win(run)), (err: unknown) => {
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
    const posix = (uid?: number) => ({ platform: 'linux' as const, run: noCommand, uid });

    it('creates a missing root 0700 with its missing parents', async () => {
      await restrictToOwner(join(dir, 'a', 'store'), undefined, posix());
      assert.equal((await stat(join(dir, 'a', 'store'))).mode & 0o777, 0o700);
    });

    it('sets 0700 on a root others can read or enter, and leaves a private one alone', async () => {
      await chmod(dir, 0o751);
      await restrictToOwner(dir, undefined, posix());
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      await chmod(dir, 0o500);
      await restrictToOwner(dir);
      assert.equal((await stat(dir)).mode & 0o777, 0o500, "a mode narrower than 0700 is the owner's choice");
    });

    it('passes over an entry removed after the listing (SQLite dropping ctrimg.db-shm as another process closes)', async () => {
      await chmod(dir, 0o755);
      await writeFile(join(dir, 'ctrimg.db'), '');
      const listing = async () => ['ctrimg.db', 'ctrimg.db-shm', 'ctrimg.db-wal'];
      await restrictToOwner(dir, undefined, { ...posix(), list: listing });
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      await chown(join(dir, 'ctrimg.db'), me + 4242, -1).catch(() => assert.fail('the tests run as root'));
      await assert.rejects(restrictToOwner(dir, undefined, { ...posix(), list: listing }), (err: CtrimgError) => {
        assert.equal(err.code, 'STORE_NOT_OURS');
        assert.match(err.message, /ctrimg\.db in the store root belongs to uid \d+/);
        assert.doesNotMatch(err.message, /more entr/, 'the entries that are gone are not counted');
        return true;
      });
    });

    it('refuses, leaving its mode, a root that is not owned by the account ctrimg runs as, and says first to run as its owner', async () => {
      await chmod(dir, 0o755);
      const other = me + 4242;
      await assert.rejects(
        restrictToOwner(dir, undefined, posix(other)),
        (err: unknown) =>
          err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && !err.message.includes('\n') &&
          err.message === `the store root ${dir} belongs to uid ${me}, not to this account (uid ${other}); ctrimg does not take over what another account made, and changed nothing` &&
          /^if it is a store you use, run ctrimg as its owner \(e\.g\. with sudo\); else .*chown -R/.test(err.hint ?? ''),
      );
      assert.equal((await stat(dir)).mode & 0o777, 0o755);
    });

    it('as root: refuses a root made by another user, and one of ours holding their directory, changing neither', async () => {
      assert.equal(me, 0, 'run as root, as the e2e suite is');
      const theirs = join(dir, 'theirs');
      await mkdir(join(theirs, 'layers'), { recursive: true, mode: 0o777 });
      await chmod(theirs, 0o777);
      await chown(theirs, 65534, 65534);
      await assert.rejects(restrictToOwner(theirs, undefined, posix()), (err: unknown) => err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && err.message.includes('belongs to uid 65534, not to this account (uid 0)'));
      assert.equal((await stat(theirs)).mode & 0o777, 0o777);

      const ours = join(dir, 'ours');
      await mkdir(join(ours, 'layers'), { recursive: true });
      await mkdir(join(ours, 'containers'));
      await chmod(ours, 0o755);
      await chown(join(ours, 'layers'), 65534, 65534);
      await assert.rejects(
        restrictToOwner(ours, undefined, posix()),
        (err: unknown) => err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' && err.message.startsWith(`${join(ours, 'layers')} in the store root belongs to uid 65534, not to this account (uid 0);`),
      );
      assert.equal((await stat(ours)).mode & 0o777, 0o755);
    });

    it('as root: refuses our store given through a link another user made, changing nothing; accepts a link of ours', async () => {
      const store = join(dir, 'store');
      await mkdir(store, { mode: 0o755 });
      await chmod(store, 0o755);
      const theirs = join(dir, 'their-link');
      await symlink(store, theirs);
      await lchown(theirs, 65534, 65534);
      assert.equal((await lstat(theirs)).uid, 65534);
      await assert.rejects(
        restrictToOwner(store, theirs, posix()),
        (err: unknown) =>
          err instanceof CtrimgError && err.code === 'STORE_NOT_OURS' &&
          err.message === `the store root ${theirs} is a link that belongs to uid 65534, not to this account (uid 0); ctrimg does not take over what another account made, and changed nothing`,
      );
      assert.equal((await stat(store)).mode & 0o777, 0o755);

      const mine = join(dir, 'my-link');
      await symlink(store, mine);
      await restrictToOwner(store, mine, posix());
      assert.equal((await stat(store)).mode & 0o777, 0o700);
    });
  });
});
