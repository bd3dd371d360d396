/**
 * The real WindowsHost (src/importers/windows-host.ts) with its programs recorded instead of run:
 * `whoami /priv` output as Windows prints it, parsed; the exact PowerShell and diskpart input.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISKPART_SCRIPT, expandScript, fileSystemQuery, parsePrivileges, systemWindowsHost } from '../../../src/importers/windows-host.js';
import type { RunProgram } from '../../../src/programs.js';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

/** `whoami /priv` of an elevated administrator on Windows Server 2019, English. */
const ELEVATED_TABLE = crlf([
  '',
  'PRIVILEGES INFORMATION',
  '----------------------',
  '',
  'Privilege Name                            Description                                                        State',
  '========================================= ================================================================== ========',
  'SeIncreaseQuotaPrivilege                  Adjust memory quotas for a process                                 Disabled',
  'SeSecurityPrivilege                       Manage auditing and security log                                   Disabled',
  'SeTakeOwnershipPrivilege                  Take ownership of files or other objects                           Disabled',
  'SeLoadDriverPrivilege                     Load and unload device drivers                                     Disabled',
  'SeBackupPrivilege                         Back up files and directories                                      Disabled',
  'SeRestorePrivilege                        Restore files and directories                                      Disabled',
  'SeShutdownPrivilege                       Shut down the system                                               Disabled',
  'SeDebugPrivilege                          Debug programs                                                     Enabled',
  'SeChangeNotifyPrivilege                   Bypass traverse checking                                           Enabled',
  'SeManageVolumePrivilege                   Perform volume maintenance tasks                                   Disabled',
  'SeImpersonatePrivilege                    Impersonate a client after authentication                          Enabled',
  'SeCreateGlobalPrivilege                   Create global objects                                              Enabled',
  'SeCreateSymbolicLinkPrivilege             Create symbolic links                                              Disabled',
  'SeDelegateSessionUserImpersonatePrivilege Obtain an impersonation token for another user in the same session Disabled',
]);

/** The same administrator, not elevated (the filtered token UAC gives): no Backup, no Restore. */
const NOT_ELEVATED_TABLE = crlf([
  '',
  'PRIVILEGES INFORMATION',
  '----------------------',
  '',
  'Privilege Name                Description                          State',
  '============================= ==================================== ========',
  'SeShutdownPrivilege           Shut down the system                 Disabled',
  'SeChangeNotifyPrivilege       Bypass traverse checking             Enabled',
  'SeUndockPrivilege             Remove computer from docking station Disabled',
  'SeIncreaseWorkingSetPrivilege Increase a process working set       Disabled',
  'SeTimeZonePrivilege           Change the time zone                 Disabled',
]);

/** `whoami /priv /fo csv`, what ctrimg runs, on a German Windows: headers and states localized, names not. */
const ELEVATED_CSV_GERMAN = crlf([
  '"Berechtigungsname","Beschreibung","Status"',
  '"SeSecurityPrivilege","Verwalten von Überwachungs- und Sicherheitsprotokollen","Deaktiviert"',
  '"SeBackupPrivilege","Sichern von Dateien und Verzeichnissen","Deaktiviert"',
  '"SeRestorePrivilege","Wiederherstellen von Dateien und Verzeichnissen","Deaktiviert"',
  '"SeChangeNotifyPrivilege","Auslassen der durchsuchenden Überprüfung","Aktiviert"',
]);

describe('importers/windows-host', () => {
  describe('parsePrivileges', () => {
    it('reads every privilege of the table, Disabled ones included', () => {
      const names = parsePrivileges(ELEVATED_TABLE)!;
      assert.equal(names.size, 14);
      for (const p of ['SeBackupPrivilege', 'SeRestorePrivilege', 'SeDelegateSessionUserImpersonatePrivilege', 'SeChangeNotifyPrivilege']) assert.ok(names.has(p), p);
      assert.ok(!names.has('Privilege'), 'the header is not a privilege');
    });

    it('finds neither Backup nor Restore in a token that is not elevated', () => {
      const names = parsePrivileges(NOT_ELEVATED_TABLE)!;
      assert.deepEqual([...names], ['SeShutdownPrivilege', 'SeChangeNotifyPrivilege', 'SeUndockPrivilege', 'SeIncreaseWorkingSetPrivilege', 'SeTimeZonePrivilege']);
    });

    it('reads the CSV form in any language, by the names alone', () => {
      assert.deepEqual([...parsePrivileges(ELEVATED_CSV_GERMAN)!], ['SeSecurityPrivilege', 'SeBackupPrivilege', 'SeRestorePrivilege', 'SeChangeNotifyPrivilege']);
    });

    it('gives nothing for output that is not a privilege list', () => {
      for (const garbled of [
        '',
        'ERROR: Access is denied.\r\n',
        "whoami.exe : The term 'whoami.exe' is not recognized as the name of a cmdlet\r\n",
        'Privilege Name  Description  State\r\n=====\r\n',
        'SeBackupPrivilegeX  Back up  Disabled\r\nNotSeRestorePrivilege\r\n',
      ]) {
        assert.equal(parsePrivileges(garbled), undefined, JSON.stringify(garbled));
      }
    });
  });

  describe('systemWindowsHost', () => {
    const recorder = (answers: Record<string, string | Error>) => {
      const calls: Array<[string, string[]]> = [];
      const run: RunProgram = async (exe, args) => {
        calls.push([exe, args]);
        const answer = answers[exe];
        if (answer instanceof Error) throw answer;
        return answer ?? '';
      };
      return { calls, run };
    };

    it('asks whoami /priv /fo csv once per process, however often asked', async () => {
      const { calls, run } = recorder({ 'whoami.exe': ELEVATED_CSV_GERMAN });
      const host = systemWindowsHost(run);
      const [a, b] = await Promise.all([host.privileges(), host.privileges()]);
      assert.ok(a.has('SeRestorePrivilege'));
      assert.equal(a, b);
      await host.privileges();
      assert.deepEqual(calls, [['whoami.exe', ['/priv', '/fo', 'csv']]]);
    });

    it('rejects, quoting the start of it, when whoami printed no privilege', async () => {
      const { run } = recorder({ 'whoami.exe': 'ERROR: Access is denied.\r\n' });
      await assert.rejects(systemWindowsHost(run).privileges(), /whoami \/priv printed no privilege: "ERROR: Access is denied/);
    });

    it('asks Get-Volume -FilePath for the file system, with the path base64-encoded', async () => {
      const { calls, run } = recorder({ 'powershell.exe': 'ReFS\r\n' });
      const root = "D:\\stores\\it's $(odd)\\ctrimg";
      assert.equal(await systemWindowsHost(run).fileSystemOf(root), 'ReFS');
      assert.deepEqual(calls, [['powershell.exe', fileSystemQuery(root)]]);
      const script = fileSystemQuery(root).at(-1)!;
      assert.ok(script.endsWith('; (Get-Volume -FilePath $p).FileSystem'), script);
      const encoded = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(script)![1]!;
      assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), root);
    });

    it('grows a scratch disk with a diskpart script in the scratch directory, removed afterwards also when diskpart fails', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ctrimg-diskpart-'));
      try {
        const vhdx = 'C:\\ProgramData\\ctrimg\\containers\\c1\\sandbox.vhdx';
        let script = '';
        const ok: RunProgram = async (exe, args) => {
          assert.deepEqual([exe, args], ['diskpart.exe', ['/s', join(dir, DISKPART_SCRIPT)]]);
          script = await readFile(args[1]!, 'utf8');
          return 'DiskPart successfully expanded the virtual disk file.\r\n';
        };
        await systemWindowsHost(ok).expandVirtualDisk(vhdx, 127 * 2 ** 30, dir);
        assert.equal(script, `select vdisk file="${vhdx}"\r\nexpand vdisk maximum=130048\r\n`);
        assert.deepEqual(await readdir(dir), []);

        const failing: RunProgram = async () => Promise.reject(new Error('diskpart.exe exited with code 2: Virtual Disk Service error: The virtual disk is already attached.'));
        await assert.rejects(systemWindowsHost(failing).expandVirtualDisk(vhdx, 40 * 2 ** 30, dir), /already attached/);
        assert.equal(existsSync(join(dir, DISKPART_SCRIPT)), false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('asks diskpart for whole MiB, rounding up', () => {
      assert.match(expandScript('x.vhdx', 20 * 2 ** 30 + 1), /maximum=20481\r\n$/);
    });
  });
});
