/**
 * Who holds a lock or a lease, recorded so that a reused pid cannot pass for its holder: the
 * pid plus the process's start as the operating system tells it (on Linux, field 22 of
 * /proc/<pid>/stat, in clock ticks since boot, with the boot id, since ticks restart at each
 * boot; on Windows, the process creation time). A pid is recycled by the next process the
 * system starts, often an unrelated one after a reboot; trusting `kill(pid, 0)` alone made a
 * command wait for it forever. What the holder is doing and since when is kept too, so a
 * waiting command can say whom it waits for.
 *
 * The record is one line of JSON. Files written by older ctrimg hold just the pid (or, for a
 * lease, nothing: the pid is in its name); they are judged by the pid alone.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { runSync, type RunSync } from '../programs.js';

export interface Owner {
  pid: number;
  /** The process's start, opaque; absent in a record that holds only a pid. */
  start?: string;
  /** Linux: the boot the start is counted from. */
  boot?: string;
  /** The cmdlet it was running. */
  command?: string;
  /** When it started, ISO 8601. */
  since?: string;
}

/** What the operating system says of a running process; undefined when none has that pid. */
export type Identity = { start: string; boot?: string } | undefined;

/**
 * The one platform-dependent part. Contract (test/content/owner.test.ts): a live process's
 * identity is defined and the same each time it is asked; a process that has exited, or is a
 * zombie, has none; a later process given the same pid has another (identities are compared
 * only for one pid: two processes started in the same clock tick may share a start).
 */
export interface ProcessTable {
  identity(pid: number): Identity;
}

/** Linux: the start from /proc/<pid>/stat with the boot id. */
export const linuxProcesses: ProcessTable = {
  identity(pid) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      return undefined;
    }
    // The command name (field 2) is in parentheses and may hold spaces or ')': count from the last one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined; // exited, not yet reaped
    return { start: fields[19]!, boot: bootId() };
  },
};

let boot: string | undefined;
const bootId = () => (boot ??= readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim());

/** Windows: the creation time, as a FILETIME, asked of PowerShell only for a pid that exists. */
export function windowsProcesses(run: RunSync = runSync, exists: (pid: number) => boolean = pidExists): ProcessTable {
  return {
    identity(pid) {
      if (!exists(pid)) return undefined;
      const r = run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid}).StartTime.ToFileTimeUtc()`]);
      const start = r.stdout.trim();
      return r.status === 0 && /^\d+$/.test(start) ? { start } : undefined;
    },
  };
}

/** Elsewhere only the pid can be checked. */
const pidOnly: ProcessTable = { identity: (pid) => (pidExists(pid) ? { start: '' } : undefined) };

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const processes: ProcessTable =
  process.platform === 'linux' ? linuxProcesses : process.platform === 'win32' ? windowsProcesses() : pidOnly;

let me: Owner | undefined;

/** This process, as its locks and leases record it. */
export function self(): Owner {
  if (me) return me;
  const id = processes.identity(process.pid);
  // `ctrimg <Cmdlet> ...`: the cmdlet; anything else (a test runner) by its script's name.
  const command = /^[A-Za-z]+(?:-[A-Za-z]+)?$/.test(process.argv[2] ?? '') ? process.argv[2] : basename(process.argv[1] ?? 'node');
  const since = new Date(Date.now() - process.uptime() * 1000).toISOString();
  me = { pid: process.pid, ...(id?.start ? id : {}), command, since };
  return me;
}

export const formatOwner = (o: Owner) => JSON.stringify(o);

/**
 * Reads a lock or lease file's text. `pid` is the one its name carries, for a lease; undefined
 * when the text names no process (a lock is never written empty, so that is junk).
 */
export function parseOwner(text: string, pid?: number): Owner | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) > 0 ? { pid: Number(t) } : undefined;
  if (t === '') return pid ? { pid } : undefined;
  try {
    const o = JSON.parse(t) as Owner;
    return Number.isInteger(o.pid) && o.pid > 0 && (pid === undefined || pid === o.pid) ? o : undefined;
  } catch {
    return undefined;
  }
}

/** True while the very process the record names is running (for a pid-only record: any process with that pid). */
export function isRunning(o: Owner, table: ProcessTable = processes): boolean {
  const now = table.identity(o.pid);
  if (!now) return false;
  if (o.start === undefined) return true;
  return now.start === o.start && now.boot === o.boot;
}

/** True when the record is this process's own. */
export const isSelf = (o: Owner) => o.pid === process.pid && (o.start === undefined || o.start === self().start);

/** `process 1234 (Install-ContainerImage, started 10:02:11)`, as much as the record tells. */
export function describeOwner(o: Owner): string {
  const what = [o.command, o.since && `started ${new Date(o.since).toTimeString().slice(0, 8)}`].filter(Boolean);
  return `process ${o.pid}${what.length ? ` (${what.join(', ')})` : ''}`;
}
