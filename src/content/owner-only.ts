/**
 * Makes a store root reachable only by its owner, as dockerd and containerd keep theirs: on
 * POSIX mode 0700 (a setuid file in a layer must not be runnable by another local user), on
 * Windows owned by Administrators, with a DACL granting Administrators and SYSTEM full control
 * and nothing else, nothing inherited (moby's daemon root, see OWNER_ONLY_SDDL). A root that is
 * missing is created so, the DACL given at creation as moby's MkdirAllWithACL does: a root
 * made first and restricted after would for a moment inherit %ProgramData%'s ACL, which lets
 * any user create folders in it (and own them). Subdirectories inherit it.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import { win32 } from 'node:path';
import { failed } from '../errors.js';
import { runProgram, type RunProgram } from '../programs.js';

/**
 * Owner BUILTIN\Administrators (O:BA), and a protected DACL (P: nothing inherited from above)
 * granting full control to Administrators (BA) and NT AUTHORITY\SYSTEM (SY) only, inherited by
 * files (OI) and directories (CI) below. moby's SddlAdministratorsLocalSystem writes the rights
 * as GA (generic all), which Windows maps to FA (file all access) on a file or directory; FA
 * is that mapped form, what moby's root ends up with. moby sets no owner: the creator's default
 * owner, Administrators for an elevated administrator. It is set here so that a root another
 * account created beforehand (it would own it, and an owner may always rewrite the DACL) is
 * taken over. Set whole, the DACL also drops any explicit entry another principal had.
 */
export const OWNER_ONLY_SDDL = 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)';

/**
 * The PowerShell arguments that create `root` (and missing parents) with OWNER_ONLY_SDDL if it
 * is missing, then set owner and DACL on it whole (also the race's answer: a directory another
 * process made in between is restricted all the same; the group is left as it is).
 */
export function ownerOnlyAcl(root: string): string[] {
  // The path travels base64-encoded: no quoting rule of PowerShell or of the command line can bite.
  const path = Buffer.from(root, 'utf8').toString('base64');
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${path}'))`,
    `$sddl = '${OWNER_ONLY_SDDL}'`,
    // Windows PowerShell 5.1 runs on .NET Framework, whose CreateDirectory takes the security to create with.
    'if (-not (Test-Path -LiteralPath $p)) { $new = New-Object System.Security.AccessControl.DirectorySecurity; ' +
      "$new.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); [void][IO.Directory]::CreateDirectory($p, $new) }",
    '$acl = Get-Acl -LiteralPath $p',
    "$acl.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access')",
    'Set-Acl -LiteralPath $p -AclObject $acl',
  ].join('; ');
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script];
}

const HINT = {
  posix: "run ctrimg as the account that owns the store, or restrict it by hand (see the README's 'Store permissions')",
  win32: "run ctrimg elevated (PowerShell: Run as administrator), or restrict the store by hand (see the README's 'Store permissions')",
};

/** Creates `root` if it is missing and makes it private to its owner (see the top of this file). */
export async function restrictToOwner(root: string, platform: NodeJS.Platform = process.platform, run: RunProgram = runProgram): Promise<void> {
  try {
    if (platform === 'win32') {
      await run('powershell.exe', ownerOnlyAcl(win32.resolve(root)));
      return;
    }
    await mkdir(root, { recursive: true, mode: 0o700 });
    // Tightened only when wider, so an unchanged store costs one stat.
    if (((await stat(root)).mode & 0o077) !== 0) await chmod(root, 0o700);
  } catch (err) {
    throw failed(`cannot make the store root ${root} private to its owner: ${(err as Error).message}`, {
      code: 'STORE_PERMISSIONS',
      hint: platform === 'win32' ? HINT.win32 : HINT.posix,
      cause: err,
    });
  }
}
