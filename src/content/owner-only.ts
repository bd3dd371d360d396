/**
 * Makes a store root reachable only by its owner, as dockerd and containerd keep theirs: on
 * POSIX mode 0700 (a setuid file in a layer must not be runnable by another local user), on
 * Windows a DACL granting Administrators and SYSTEM full control and nothing else, nothing
 * inherited, the DACL moby gives its daemon root there (set with PowerShell's Get-Acl and
 * Set-Acl). Subdirectories inherit it.
 */
import { spawn } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import { failed } from '../errors.js';

/** Runs a program to the end; rejects with what it printed on stderr when it fails. */
export type RunCommand = (exe: string, args: string[]) => Promise<void>;

/**
 * A protected DACL (P: nothing inherited from above) granting full control (FA) to
 * BUILTIN\Administrators (BA) and NT AUTHORITY\SYSTEM (SY) only, inherited by files (OI) and
 * directories (CI) below: the DACL moby gives its daemon root. Set whole, it also drops any
 * explicit entry for another principal that the directory had.
 */
export const OWNER_ONLY_SDDL = 'D:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)';

/** The PowerShell arguments that replace the DACL of `root` with OWNER_ONLY_SDDL (owner and group untouched). */
export function ownerOnlyAcl(root: string): string[] {
  // The path travels base64-encoded: no quoting rule of PowerShell or of the command line can bite.
  const path = Buffer.from(root, 'utf8').toString('base64');
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${path}'))`,
    '$acl = Get-Acl -LiteralPath $p',
    `$acl.SetSecurityDescriptorSddlForm('${OWNER_ONLY_SDDL}', 'Access')`,
    'Set-Acl -LiteralPath $p -AclObject $acl',
  ].join('; ');
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script];
}

export async function restrictToOwner(root: string, platform: NodeJS.Platform = process.platform, run: RunCommand = runCommand): Promise<void> {
  const hint = "run ctrimg as the account that owns the store, or restrict it by hand (see the README's 'Store permissions')";
  try {
    if (platform === 'win32') return await run('powershell.exe', ownerOnlyAcl(root));
    // Tightened only when wider, so an unchanged store costs one stat.
    if (((await stat(root)).mode & 0o077) !== 0) await chmod(root, 0o700);
  } catch (err) {
    throw failed(`cannot make the store root ${root} private to its owner: ${(err as Error).message}`, { code: 'STORE_PERMISSIONS', hint, cause: err });
  }
}

const runCommand: RunCommand = (exe, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const said = stderr.trim().split(/\r?\n/).join(' / ');
      if (code === 0) resolve();
      else reject(new Error(`${exe} exited with code ${code}${said ? `: ${said}` : ''}`));
    });
  });
