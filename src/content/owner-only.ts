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
 * may rewrite its DACL or mode whenever it likes, and could have swapped `layers` for a link.
 * Nor is a root given as a link another account made (it could point it elsewhere at any
 * time). It is refused (STORE_NOT_OURS) before anything is changed, also when it appeared
 * between the caller finding no root and the root being created here. Owned means by the
 * account ctrimg runs as (on POSIX its effective uid), or on Windows also by Administrators or
 * SYSTEM. On Windows, the one time a root whose DACL is not yet exactly ours is restricted (a
 * store of an older ctrimg, whose root inherited %ProgramData%'s ACL, or one made by hand), the
 * entries of the store's own directories (blobs, ingest, layers, ...) are checked the same way:
 * any user could have planted one there. What is inside a layer or container is not: its files
 * carry the image's own owners.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, win32 } from 'node:path';
import { CtrimgError, failed } from '../errors.js';
import { runProgram, type RunProgram } from '../programs.js';
import { OWN_DIRS } from './layout.js';

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

/**
 * The owners a Windows store may have besides the account ctrimg runs as: BUILTIN\Administrators
 * and NT AUTHORITY\SYSTEM, by SID (the same in every language). The running account counts too:
 * where "Default owner for objects created by members of the Administrators group" is "Object
 * creator" (the client default), what ctrimg creates in the root (ctrimg.db-wal, blobs, ...) is
 * owned by the user, not by Administrators.
 */
export const WINDOWS_OWNERS = ['S-1-5-32-544', 'S-1-5-18'] as const;

/** The store's directories whose entries are checked when a Windows root is first restricted, parents first. */
const DEEPER = [...OWN_DIRS].sort().map((d) => d.split('/').join('\\'));

/** The last line the Windows script prints once the DACL is set. */
const RESTRICTED = 'restricted';
/** What the Windows script prints when the account may not read the root's owner (not elevated). */
const DENIED = 'denied';

const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/**
 * The PowerShell arguments that check `given` (the root as the user named it) and `root` (its
 * real path), create `root` (and missing parents) with OWNER_ONLY_SDDL if it is missing, and
 * set its DACL alone unless something another account made is found; then it prints RESTRICTED.
 * Found, and nothing changed: `link <owner>` for `given` being a link another account owns,
 * `denied` when this account may not read the root's owner, `root <owner>`, and `entry <owner
 * or link> <name relative to the root, UTF-8, base64>` for each entry directly in it or, if
 * the root's DACL is not yet exactly ours, in one of the store's directories (DEEPER).
 */
export function ownerOnlyAcl(root: string, given: string = root): string[] {
  // Paths travel base64-encoded: no quoting rule of PowerShell or of the command line can bite.
  const decode = (s: string) => `[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${base64(s)}'))`;
  const sids = WINDOWS_OWNERS.map((s) => `'${s}'`).join(', ');
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$p = ${decode(root)}`,
    `$given = ${decode(given)}`,
    `$sddl = '${OWNER_ONLY_SDDL}'`,
    `$owners = ${sids}`,
    '$ours = $owners + [Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
    // Get-Acl of a link reads the link's own security descriptor, not its target's.
    "$ownerOf = { param($f) try { (Get-Acl -LiteralPath $f).GetOwner([Security.Principal.SecurityIdentifier]).Value } catch { 'unreadable' } }",
    '$isLink = { param($i) [bool]($i.Attributes -band [IO.FileAttributes]::ReparsePoint) }',
    // Before anything is created through it.
    '$g = Get-Item -LiteralPath $given -Force -ErrorAction SilentlyContinue',
    "if ($g -and (& $isLink $g)) { $o = & $ownerOf $given; if ($ours -notcontains $o) { 'link ' + $o; exit 0 } }",
    // Windows PowerShell 5.1 runs on .NET Framework, whose CreateDirectory takes the security to create with.
    // It does nothing to a directory that appeared since Test-Path: the owner check below sees that one.
    'if (-not (Test-Path -LiteralPath $p)) { $new = New-Object System.Security.AccessControl.DirectorySecurity; ' +
      "$new.SetSecurityDescriptorSddlForm($sddl, 'Owner, Access'); [void][IO.Directory]::CreateDirectory($p, $new) }",
    // A root this account may not read is a store it may not use (a non-elevated token), not a foreign one.
    '$o = & $ownerOf $p',
    `if ($o -eq 'unreadable') { '${DENIED}'; exit 0 }`,
    "if ($ours -notcontains $o) { 'root ' + $o; exit 0 }",
    // Exactly ours: protected, and two rules, full control for Administrators and SYSTEM, inherited below.
    '$acl = Get-Acl -LiteralPath $p',
    '$rules = @($acl.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]))',
    "$granted = @($rules | Where-Object { $_.AccessControlType -eq 'Allow' -and $_.FileSystemRights -eq 'FullControl' -and -not $_.IsInherited -and " +
      "$_.InheritanceFlags -eq 'ContainerInherit, ObjectInherit' -and $_.PropagationFlags -eq 'None' -and $owners -contains $_.IdentityReference.Value } | " +
      'ForEach-Object { $_.IdentityReference.Value } | Sort-Object -Unique)',
    '$exact = $acl.AreAccessRulesProtected -and $rules.Count -eq 2 -and $granted.Count -eq 2',
    // An entry gone since the listing (SQLite drops ctrimg.db-shm as another process closes) is passed over.
    '$check = { param($dir, $prefix) foreach ($c in Get-ChildItem -LiteralPath $dir -Force) { ' +
      "$co = if (& $isLink $c) { 'link' } else { & $ownerOf $c.FullName }; " +
      "if ($co -eq 'unreadable' -and -not (Test-Path -LiteralPath $c.FullName)) { continue }; " +
      "if ($ours -notcontains $co) { 'entry ' + $co + ' ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($prefix + $c.Name)) } } }",
    '$foreign = @(& $check $p \'\')',
    // Only until the DACL is ours: it reads every blob's owner. A directory already found foreign is not entered.
    `if (-not $exact) { foreach ($d in ${DEEPER.map((d) => `'${d}'`).join(', ')}) { $dp = Join-Path $p $d; ` +
      "if ($foreign.Count -eq 0 -and (Test-Path -LiteralPath $dp -PathType Container)) { $foreign += @(& $check $dp ($d + '\\')) } } }",
    'if ($foreign.Count -gt 0) { $foreign; exit 0 }',
    // The DACL alone: Set-Acl would write back the owner too, which Windows refuses for an owner such as SYSTEM.
    '$dacl = New-Object System.Security.AccessControl.DirectorySecurity',
    "$dacl.SetSecurityDescriptorSddlForm($sddl, 'Access')",
    '[IO.Directory]::SetAccessControl($p, $dacl)',
    `'${RESTRICTED}'`,
  ].join('; ');
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script];
}

/** Something another account owns: the root itself (no name), an entry in it, or the root as given when a link. */
export interface Foreign {
  /** Relative to the root (`\\`-separated on Windows). */
  name?: string;
  /** A SID or uid, `link` for a Windows reparse point, `unreadable` when Windows would not say. */
  owner: string;
  /** The root was given as a link, which `owner` owns. */
  rootLink?: true;
}

/**
 * What the Windows script printed: the foreign things it found, none once the DACL is set,
 * `denied` when the account may not read the root's owner; undefined for anything else.
 */
export function parseAclResult(output: string): Foreign[] | typeof DENIED | undefined {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 1 && (lines[0] === RESTRICTED || lines[0] === DENIED)) return lines[0] === DENIED ? DENIED : [];
  const found: Foreign[] = [];
  for (const line of lines) {
    const m = /^(?:root (\S+)|link (\S+)|entry (\S+) ([A-Za-z0-9+/=]+))$/.exec(line);
    if (!m) return undefined;
    found.push(
      m[1] !== undefined ? { owner: m[1] } : m[2] !== undefined ? { owner: m[2], rootLink: true } : { owner: m[3]!, name: Buffer.from(m[4]!, 'base64').toString('utf8') },
    );
  }
  return found.length > 0 ? found : undefined;
}

const HINT = {
  posix: "run ctrimg as the account that owns the store (e.g. with sudo), or restrict it by hand (see the README's 'Store permissions')",
  win32: "run ctrimg elevated (PowerShell: Run as administrator), or restrict the store by hand (see the README's 'Store permissions')",
};

const NOT_OURS_HINT = {
  posix: "if it is a store you use, run ctrimg as its owner (e.g. with sudo); else check who made it and what it holds, then remove it, or give a store you trust to this account with chown -R (see the README's 'Store permissions')",
  win32: "check who made it and what it holds, then remove it, or give a store you trust to Administrators with takeown /a /r and icacls /reset /t (see the README's 'Store permissions')",
};

/** STORE_PERMISSIONS: the store root cannot be read or restricted by this account; what to do on `platform`. */
export function storePermissionsError(message: string, platform: NodeJS.Platform, cause?: unknown): CtrimgError {
  return failed(message, { code: 'STORE_PERMISSIONS', hint: platform === 'win32' ? HINT.win32 : HINT.posix, cause });
}

/** The process's own account on POSIX; a test passes another to stand in for a foreign owner. */
const effectiveUid = () => process.geteuid?.() ?? -1;

export interface RestrictOptions {
  platform?: NodeJS.Platform;
  run?: RunProgram;
  uid?: number;
  /** Lists the root's entries on POSIX; a test passes one that names an entry already gone. */
  list?: (dir: string) => string[] | Promise<string[]>;
}

/**
 * Creates `root` (a real path) if it is missing and makes it private to its owner (see the top
 * of this file); refuses with STORE_NOT_OURS, changing nothing, a root another account owns or
 * holds an entry of, or `given` (the root as the user named it) being a link another account owns.
 */
export async function restrictToOwner(
  root: string,
  given: string = root,
  { platform = process.platform, run = runProgram, uid = effectiveUid(), list = readdirSync }: RestrictOptions = {},
): Promise<void> {
  let foreign: Foreign[];
  try {
    foreign = platform === 'win32' ? await restrictWindows(win32.resolve(root), win32.resolve(given), run) : await restrictPosix(root, given, uid, list);
  } catch (err) {
    throw storePermissionsError(`cannot make the store root ${root} private to its owner: ${(err as Error).message}`, platform, err);
  }
  if (foreign.length === 0) return;
  const ours = platform === 'win32' ? 'Administrators, SYSTEM or this account' : `this account (uid ${uid})`;
  const [first, ...more] = foreign;
  const what = first!.rootLink
    ? `the store root ${given} is a link that`
    : first!.name === undefined
      ? `the store root ${root}`
      : `${platform === 'win32' ? win32.join(root, first!.name) : join(root, first!.name)} in the store root`;
  const is = first!.owner === 'link' ? 'is a link' : first!.owner === 'unreadable' ? 'has an owner Windows would not tell' : `belongs to ${first!.owner}, not to ${ours}`;
  const others = more.length > 0 ? ` (and ${more.length} more entr${more.length === 1 ? 'y' : 'ies'})` : '';
  throw failed(`${what} ${is}${others}; ctrimg does not take over what another account made, and changed nothing`, {
    code: 'STORE_NOT_OURS',
    hint: platform === 'win32' ? NOT_OURS_HINT.win32 : NOT_OURS_HINT.posix,
  });
}

async function restrictWindows(root: string, given: string, run: RunProgram): Promise<Foreign[]> {
  const out = await run('powershell.exe', ownerOnlyAcl(root, given));
  const found = parseAclResult(out);
  if (found === DENIED) throw new Error('this account may not read its owner (access denied)');
  if (found === undefined) throw new Error(`powershell.exe printed neither '${RESTRICTED}' nor an owner: ${JSON.stringify(out.slice(0, 200))}`);
  return found;
}

/** lstat, or undefined for a path that does not exist (any more). */
const lstatIfPresent = (path: string) => lstatSync(path, { throwIfNoEntry: false });

// Synchronous calls: a command opens its store before it does anything else, and each of these
// a dozen checks was otherwise a round trip through libuv's thread pool (about 2.5 ms together).
async function restrictPosix(root: string, given: string, uid: number, list: (dir: string) => string[] | Promise<string[]>): Promise<Foreign[]> {
  // Before anything is created through it; a missing one is the root being created.
  const link = lstatIfPresent(given);
  if (link?.isSymbolicLink() && link.uid !== uid) return [{ owner: `uid ${link.uid}`, rootLink: true }];
  // A no-op on a directory another account made meanwhile: the owner check below sees that one.
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const st = statSync(root);
  if (st.uid !== uid) return [{ owner: `uid ${st.uid}` }];
  const foreign: Foreign[] = [];
  for (const name of await list(root)) {
    // Another process may remove an entry after the listing: SQLite deletes ctrimg.db-shm and
    // -wal when the last connection closes. What is gone cannot be foreign.
    const entry = lstatIfPresent(join(root, name));
    if (entry && entry.uid !== uid) foreign.push({ name, owner: `uid ${entry.uid}` });
  }
  if (foreign.length > 0) return foreign;
  // Tightened only when wider, so an unchanged store costs one stat.
  if ((st.mode & 0o077) !== 0) chmodSync(root, 0o700);
  return [];
}
