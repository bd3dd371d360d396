/**
 * What the `hcs` importer asks of the Windows host it runs on, behind one small interface so the
 * tests can stand in for a host (as test/support/wclayer-standin.ts stands in for wclayer), and
 * what it makes of the answers (assertHostReady, growScratch). The real host is asked through
 * programs every Windows Server 2016+ host has, no native module:
 *
 * - privileges: `whoami /priv /fo csv`, the privileges the process token holds. A privilege
 *   listed as Disabled is held and can be enabled (wclayer enables Backup and Restore itself,
 *   as hcsshim's cmd/wclayer import and remove do through go-winio); one not listed cannot be,
 *   and AdjustTokenPrivileges then fails with ERROR_NOT_ALL_ASSIGNED part-way into an import. A
 *   token that is not elevated holds neither. Privilege names are the same in every language;
 *   the parser reads them alone, so the localized headers, descriptions and states do not matter.
 * - file system: PowerShell's `(Get-Volume -FilePath <path>).FileSystem`. It names the volume
 *   that holds the path itself, a volume mounted on a folder included (.NET's DriveInfo and
 *   containerd's GetVolumeInformation of the drive letter see only the drive's volume; fsutil
 *   wants a volume's root, not a directory in it). Storage module, Server 2012 on. Asked only
 *   after the privileges, so it runs elevated whether or not it would need to.
 * - scratch size: diskpart's `expand vdisk maximum=<MiB>` on the container's sandbox.vhdx.
 *   diskpart is on every edition, Server Core and Nano's hosts included; PowerShell's
 *   Resize-VHD would need the Hyper-V module, which a container host without the Hyper-V role
 *   lacks. It grows the virtual disk only, as vmcompute's ExpandSandboxSize does for moby: the
 *   volume inside is extended when the layer is prepared for the container to start
 *   (hcsshim's internal/wclayer/expandscratchsize.go).
 */
import { join } from 'node:path';
import { rm, writeFile } from 'node:fs/promises';
import { failed } from '../errors.js';
import { runProgram, type RunProgram } from '../programs.js';

export interface WindowsHost {
  /** The names of the privileges this process's token holds, enabled or not (`SeBackupPrivilege`, ...). */
  privileges(): Promise<Set<string>>;
  /** The file system of the volume holding `path` (an existing directory), as Windows names it: `NTFS`, `ReFS`, ... */
  fileSystemOf(path: string): Promise<string>;
  /** Grows the (detached) virtual disk file `vhdx` to `bytes`, a whole number of MiB; `scratchDir` may hold a work file meanwhile. */
  expandVirtualDisk(vhdx: string, bytes: number, scratchDir: string): Promise<void>;
}

/** The scratch disk `wclayer create` makes in a container's directory. */
export const SANDBOX_VHDX = 'sandbox.vhdx';

/** A privilege name as Windows spells it, at the start of a line or of a CSV record. */
const PRIVILEGE = /^"?(Se[A-Za-z]+Privilege)\b/;

/**
 * The privilege names in `whoami /priv` output, table or CSV (`/fo csv`). Every token holds
 * SeChangeNotifyPrivilege, so output naming none is not whoami's: undefined then.
 */
export function parsePrivileges(output: string): Set<string> | undefined {
  const names = new Set<string>();
  for (const line of output.split(/\r?\n/)) {
    const m = PRIVILEGE.exec(line.trim());
    if (m) names.add(m[1]!);
  }
  return names.size > 0 ? names : undefined;
}

/** The PowerShell arguments that print the file system of the volume holding `path`. */
export function fileSystemQuery(path: string): string[] {
  const encoded = Buffer.from(path, 'utf8').toString('base64');
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${encoded}'))`,
    '(Get-Volume -FilePath $p).FileSystem',
  ].join('; ');
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script];
}

/** The diskpart script that grows `vhdx` to `bytes` (diskpart counts in MiB, which it calls MB). */
export function expandScript(vhdx: string, bytes: number): string {
  return [`select vdisk file="${vhdx}"`, `expand vdisk maximum=${Math.ceil(bytes / 2 ** 20)}`, ''].join('\r\n');
}

/** The name of diskpart's script file in the scratch directory while it runs. */
export const DISKPART_SCRIPT = 'ctrimg-expand.diskpart';

/** The host this process runs on; `run` is where the programs are started (a test records them). */
export function systemWindowsHost(run: RunProgram = runProgram): WindowsHost {
  let privileges: Promise<Set<string>> | undefined;
  return {
    // Asked once: a process's privileges do not change while it runs.
    privileges: () => {
      privileges ??= run('whoami.exe', ['/priv', '/fo', 'csv']).then((out) => {
        const names = parsePrivileges(out);
        if (!names) throw new Error(`whoami /priv printed no privilege: ${JSON.stringify(out.slice(0, 200))}`);
        return names;
      });
      return privileges;
    },
    fileSystemOf: async (path) => (await run('powershell.exe', fileSystemQuery(path))).trim(),
    expandVirtualDisk: async (vhdx, bytes, scratchDir) => {
      // diskpart reads a script from a file (/s), and sets its exit code only then; the file
      // is kept in the container's own directory, inside the store, while diskpart runs.
      const script = join(scratchDir, DISKPART_SCRIPT);
      await writeFile(script, expandScript(vhdx, bytes));
      try {
        await run('diskpart.exe', ['/s', script]);
      } finally {
        await rm(script, { force: true });
      }
    },
  };
}

/** The privileges `wclayer import` and `remove` enable (hcsshim's cmd/wclayer/import.go, remove.go). */
const LAYER_PRIVILEGES = ['SeBackupPrivilege', 'SeRestorePrivilege'];

/** Fails, before anything changes, when the token lacks a layer privilege or `root` is not on NTFS. */
export async function assertHostReady(host: WindowsHost, root: string): Promise<void> {
  const held = await host.privileges().catch((err: Error) => {
    throw failed(`cannot tell whether this process may import layers: ${err.message}`, { code: 'HOST_CHECK_FAILED', hint: HOST_CHECK_HINT, cause: err });
  });
  const missing = LAYER_PRIVILEGES.filter((p) => !held.has(p));
  if (missing.length > 0) {
    throw failed(`this process does not hold ${missing.join(' and ')}, which importing and removing Windows layers needs: it is not elevated`, {
      code: 'NOT_ELEVATED',
      hint: 'run ctrimg from a PowerShell opened with Run as administrator',
    });
  }
  const fs = await host.fileSystemOf(root).catch((err: Error) => {
    throw failed(`cannot tell the file system of the store root ${root}: ${err.message}`, { code: 'HOST_CHECK_FAILED', hint: HOST_CHECK_HINT, cause: err });
  });
  // containerd's snapshotter takes NTFS only (plugins/snapshots/windows); moby refuses ReFS.
  if (fs.toUpperCase() !== 'NTFS') {
    throw failed(`the store root ${root} is on a ${fs || 'unnamed'} volume; Windows layers need NTFS`, {
      code: 'NOT_NTFS',
      hint: 'point CTRIMG_ROOT at a directory on an NTFS volume',
    });
  }
}

const HOST_CHECK_HINT = "the README's 'Importers' names the commands ctrimg runs to ask Windows: run them by hand to see why";

/** Grows the scratch disk `wclayer create` made in `containerPath` to `size` bytes. */
export async function growScratch(host: WindowsHost, containerPath: string, size: number): Promise<void> {
  const vhdx = join(containerPath, SANDBOX_VHDX);
  try {
    await host.expandVirtualDisk(vhdx, size, containerPath);
  } catch (err) {
    throw failed(`cannot grow the scratch disk ${vhdx} to ${size / 2 ** 30} GiB: ${(err as Error).message}`, {
      code: 'SCRATCH_SIZE_FAILED',
      hint: "run diskpart's select vdisk and expand vdisk on that disk by hand to see why, or give another scratch size",
      cause: err,
    });
  }
}
