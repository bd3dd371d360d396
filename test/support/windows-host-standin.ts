/**
 * A stand-in for the Windows host the `hcs` importer asks (src/importers/windows-host.ts): it
 * answers with the privileges and file system it is given and records every question, so a
 * test can tell what was asked, in which order, and that nothing was asked twice.
 */
import { access } from 'node:fs/promises';
import type { WindowsHost } from '../../src/importers/windows-host.js';

/** What an elevated administrator's token holds among others. */
export const ELEVATED = ['SeChangeNotifyPrivilege', 'SeBackupPrivilege', 'SeRestorePrivilege', 'SeSecurityPrivilege'];
/** What a standard user's token, or an administrator's not elevated, holds. */
export const NOT_ELEVATED = ['SeShutdownPrivilege', 'SeChangeNotifyPrivilege', 'SeUndockPrivilege', 'SeIncreaseWorkingSetPrivilege', 'SeTimeZonePrivilege'];

export interface HostStandin extends WindowsHost {
  /** Each call as [method, ...arguments]. */
  calls: unknown[][];
}

export function hostStandin(opts: { privileges?: string[]; fileSystem?: string; fail?: Partial<Record<keyof WindowsHost, Error>> } = {}): HostStandin {
  const calls: unknown[][] = [];
  const failure = (what: keyof WindowsHost) => (opts.fail?.[what] ? Promise.reject(opts.fail[what]) : undefined);
  return {
    calls,
    privileges: async () => {
      calls.push(['privileges']);
      await failure('privileges');
      return new Set(opts.privileges ?? ELEVATED);
    },
    fileSystemOf: async (path) => {
      calls.push(['fileSystemOf', path]);
      await failure('fileSystemOf');
      return opts.fileSystem ?? 'NTFS';
    },
    expandVirtualDisk: async (vhdx, bytes, scratchDir) => {
      calls.push(['expandVirtualDisk', vhdx, bytes, scratchDir]);
      // The disk must be there, as diskpart's select vdisk needs it.
      await access(vhdx);
      await failure('expandVirtualDisk');
    },
  };
}
