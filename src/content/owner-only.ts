/**
 * Makes a store root reachable only by its owner, as dockerd and containerd keep theirs: on
 * POSIX mode 0700 (a setuid file in a layer must not be runnable by another local user), on
 * Windows a DACL granting Administrators and SYSTEM full control and nothing else, nothing
 * inherited (moby's daemon root, see OWNER_ONLY_SDDL). A root that is missing is created so, the
 * DACL given at creation as moby's MkdirAllWithACL does: a root made first and restricted after
 * would for a moment inherit %ProgramData%'s ACL, which lets any user create folders in it (and
 * own them). Subdirectories inherit it.
 *
 * A root, or an entry directly in it, that another account owns is never taken over: its owner
 * may rewrite its DACL or mode whenever it likes, and could have swapped `layers` or a layer in
 * it for a link. It is refused (STORE_NOT_OURS) before anything is changed, also when it
 * appeared between the caller finding no root and the root being created here. Owned means the
 * account ctrimg runs as on POSIX (its effective uid), Administrators or SYSTEM on Windows.
 */
import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join, win32 } from 'node:path';
import { failed } from '../errors.js';
import { runProgram, type RunProgram } from '../programs.js';

/**
 * Owner BUILTIN\Administrators (O:BA), and a protected DACL (P: nothing inherited from above)
 * granting full control to Administrators (BA) and NT AUTHORITY\SYSTEM (SY) only, inherited by
 * files (OI) and directories (CI) below. moby's SddlAdministratorsLocalSystem writes the rights
 * as GA (generic all), which Windows maps to FA (file all access) on a file or directory; FA
 * is that mapped form, what moby's root ends up with. The owner is given at creation only, so
 * that a root ctrimg creates is owned by an account the owner check accepts whatever the
 * token's default owner; an existing root passes that check or is refused, so its owner is left.
 */
export const OWNER_ONLY_SDDL = 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)';

/** The owners a Windows store may have: BUILTIN\Administrators and NT AUTHORITY\SYSTEM, by SID (the same in every language). */
export const WINDOWS_OWNERS = ['S-1-5-32-544', 'S-1-5-18'] as const;

/** The last line the Windows script prints once the DACL is set. */
const RESTRICTED = 'restricted';

/**
 * The PowerShell arguments that create `root` (and missing parents) with OWNER_ONLY_SDDL if it
 * is missing; then, unless it or an entry directly in it has an owner not in WINDOWS_OWNERS (or
 * is a link), set its DACL whole (the group and owner are left as they are). A foreign root is
 * printed as `root <owner>`, a foreign entry as `entry <owner or link> <name, UTF-8, base64>`,
 * and nothing is changed; else it prints RESTRICTED.
 */
export function ownerOnlyAcl(root: string): string[] {
  // The path travels base64-encoded: no quoting rule of PowerShell or of the command line can bite.
  const path = Buffer.from(root, 'utf8').toString('base64');
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${path}'))`,
    `$sddl = '${OWNER_ONLY_SDDL}'`,
    // Windows PowerShell 5.1 runs on .NET Framework, whose CreateDirectory takes the security to create with.
    // It does nothing to a directory that appeared since Test-Path: the owner check below sees that one.
    'if (-not (Test-Path -LiteralPath $p)) { $new = New-Object System.Security.AccessControl.DirectorySecurity; ' +
      "$new.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); [void][IO.Directory]::CreateDirectory($p, $new) }",
    `$ours = ${WINDOWS_OWNERS.map((s) => `'${s}'`).join(', ')}`,
    // An owner that cannot be read (a DACL denying Administrators) counts as foreign.
    "$ownerOf = { param($f) try { (Get-Acl -LiteralPath $f).GetOwner([Security.Principal.SecurityIdentifier]).Value } catch { 'unreadable' } }",
    '$o = & $ownerOf $p',
    "if ($ours -notcontains $o) { 'root ' + $o; exit 0 }",
    '$foreign = @(foreach ($c in Get-ChildItem -LiteralPath $p -Force) { ' +
      "$o = if ($c.Attributes -band [IO.FileAttributes]::ReparsePoint) { 'link' } else { & $ownerOf $c.FullName }; " +
      "if ($ours -notcontains $o) { 'entry ' + $o + ' ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($c.Name)) } })",
    'if ($foreign.Count -gt 0) { $foreign; exit 0 }',
    '$acl = Get-Acl -LiteralPath $p',
    "$acl.SetSecurityDescriptorSddlForm($sddl, 'Access')",
    'Set-Acl -LiteralPath $p -AclObject $acl',
    `'${RESTRICTED}'`,
  ].join('; ');
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script];
}

/** Something another account owns: the root itself (no name) or an entry directly in it. */
export interface Foreign {
  name?: string;
  /** A SID or uid, `link` for a Windows reparse point, `unreadable` when Windows would not say. */
  owner: string;
}

/** What the Windows script printed: the foreign things it found, none once the DACL is set; undefined for anything else. */
export function parseAclResult(output: string): Foreign[] | undefined {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 1 && lines[0] === RESTRICTED) return [];
  const found: Foreign[] = [];
  for (const line of lines) {
    const m = /^(?:root (\S+)|entry (\S+) ([A-Za-z0-9+/=]+))$/.exec(line);
    if (!m) return undefined;
    found.push(m[1] !== undefined ? { owner: m[1] } : { owner: m[2]!, name: Buffer.from(m[3]!, 'base64').toString('utf8') });
  }
  return found.length > 0 ? found : undefined;
}

const HINT = {
  posix: "run ctrimg as the account that owns the store, or restrict it by hand (see the README's 'Store permissions')",
  win32: "run ctrimg elevated (PowerShell: Run as administrator), or restrict the store by hand (see the README's 'Store permissions')",
};

const NOT_OURS_HINT = {
  posix: "check who made it and what it holds, then remove it, or give a store you trust to this account with chown -R (see the README's 'Store permissions')",
  win32: "check who made it and what it holds, then remove it, or give a store you trust to Administrators with takeown /a /r and icacls /reset /t (see the README's 'Store permissions')",
};

/** The process's own account on POSIX; a test passes another to stand in for a foreign owner. */
const effectiveUid = () => process.geteuid?.() ?? -1;

/**
 * Creates `root` if it is missing and makes it private to its owner (see the top of this file);
 * refuses with STORE_NOT_OURS, changing nothing, a root another account owns or holds an entry of.
 */
export async function restrictToOwner(
  root: string,
  platform: NodeJS.Platform = process.platform,
  run: RunProgram = runProgram,
  uid: number = effectiveUid(),
): Promise<void> {
  let foreign: Foreign[];
  try {
    foreign = platform === 'win32' ? await restrictWindows(win32.resolve(root), run) : await restrictPosix(root, uid);
  } catch (err) {
    throw failed(`cannot make the store root ${root} private to its owner: ${(err as Error).message}`, {
      code: 'STORE_PERMISSIONS',
      hint: platform === 'win32' ? HINT.win32 : HINT.posix,
      cause: err,
    });
  }
  if (foreign.length === 0) return;
  const ours = platform === 'win32' ? 'Administrators or SYSTEM' : `this account (uid ${uid})`;
  const [first, ...more] = foreign;
  const what = first!.name === undefined ? `the store root ${root}` : `${platform === 'win32' ? win32.join(root, first!.name) : join(root, first!.name)} in the store root`;
  const is = first!.owner === 'link' ? 'is a link' : first!.owner === 'unreadable' ? 'has an owner Windows would not tell' : `belongs to ${first!.owner}, not to ${ours}`;
  const others = more.length > 0 ? ` (and ${more.length} more entr${more.length === 1 ? 'y' : 'ies'})` : '';
  throw failed(`${what} ${is}${others}; ctrimg does not take over what another account made, and changed nothing`, {
    code: 'STORE_NOT_OURS',
    hint: platform === 'win32' ? NOT_OURS_HINT.win32 : NOT_OURS_HINT.posix,
  });
}

async function restrictWindows(root: string, run: RunProgram): Promise<Foreign[]> {
  const out = await run('powershell.exe', ownerOnlyAcl(root));
  const found = parseAclResult(out);
  if (found === undefined) throw new Error(`powershell.exe printed neither '${RESTRICTED}' nor an owner: ${JSON.stringify(out.slice(0, 200))}`);
  return found;
}

async function restrictPosix(root: string, uid: number): Promise<Foreign[]> {
  // A no-op on a directory another account made meanwhile: the owner check below sees that one.
  await mkdir(root, { recursive: true, mode: 0o700 });
  const st = await stat(root);
  if (st.uid !== uid) return [{ owner: `uid ${st.uid}` }];
  const foreign: Foreign[] = [];
  for (const name of await readdir(root)) {
    const entry = await lstat(join(root, name));
    if (entry.uid !== uid) foreign.push({ name, owner: `uid ${entry.uid}` });
  }
  if (foreign.length > 0) return foreign;
  // Tightened only when wider, so an unchanged store costs one stat.
  if ((st.mode & 0o077) !== 0) await chmod(root, 0o700);
  return [];
}
