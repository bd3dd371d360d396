/**
 * Makes a store root reachable only by its owner, as dockerd and containerd keep theirs: on
 * POSIX mode 0700 (a setuid file in a layer must not be runnable by another local user), on
 * Windows an ACL granting Administrators and SYSTEM full control and nothing inherited, the
 * ACL moby gives its daemon root there. Subdirectories inherit it.
 */
import { spawn } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import { failed } from '../errors.js';

/** Runs a program to the end; rejects with what it printed on stderr when it fails. */
export type RunCommand = (exe: string, args: string[]) => Promise<void>;

/** BUILTIN\Administrators and NT AUTHORITY\SYSTEM, by SID so that no localized name is needed. */
const ADMINISTRATORS = '*S-1-5-32-544';
const SYSTEM = '*S-1-5-18';

/** The icacls arguments that leave `root` to Administrators and SYSTEM, inherited by everything below it. */
export function ownerOnlyAcl(root: string): string[] {
  return [root, '/inheritance:r', '/grant:r', `${ADMINISTRATORS}:(OI)(CI)F`, `${SYSTEM}:(OI)(CI)F`];
}

export async function restrictToOwner(root: string, platform: NodeJS.Platform = process.platform, run: RunCommand = runCommand): Promise<void> {
  const hint = "run ctrimg as the account that owns the store, or restrict it by hand (see the README's 'Store permissions')";
  try {
    if (platform === 'win32') return await run('icacls', ownerOnlyAcl(root));
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
