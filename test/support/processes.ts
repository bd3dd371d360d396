/**
 * Pids for tests of what a process leaves behind: one that has exited, one that stays alive,
 * and one that has exited and whose pid now belongs to another live process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { processes, type Owner } from '../../src/content/owner.js';

const exited = (child: ChildProcess) => new Promise((r) => child.on('exit', r));

/**
 * Waits until the clock that Linux counts process starts in (1/100 s since boot, as /proc/uptime
 * shows it) is two ticks past `start`: a process started within the same tick as another has the
 * same start, and a reused pid is told apart by its start.
 */
async function pastTick(start: number): Promise<void> {
  while (Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * 100 < start + 2) await nextTurn();
}

/** The pid of a process that has exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await exited(child);
  return child.pid!;
}

export interface Live {
  pid: number;
  kill: () => void;
}

const sleeper = () => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);

/** A process that stays alive until killed. */
export function livePid(): Live {
  const child = sleeper();
  return { pid: child.pid!, kill: () => child.kill('SIGKILL') };
}

/**
 * A process that ran and was killed, as a lock or lease records it (`owner`), and an unrelated
 * live process that has been given its pid since (`live`), as happens after a reboot or a pid
 * wrap. Linux only: the next pid is chosen through /proc/sys/kernel/ns_last_pid (root); another
 * process may take it first, so it tries again.
 */
export async function reusedPid(): Promise<{ owner: Owner; live: Live }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = sleeper();
    const pid = first.pid!;
    const owner: Owner = { pid, ...processes.identity(pid), command: 'Install-ContainerImage', since: new Date().toISOString() };
    first.kill('SIGKILL');
    await exited(first);
    await pastTick(Number(owner.start));
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const second = sleeper();
    if (second.pid === pid && processes.identity(pid)?.start !== owner.start) return { owner, live: { pid, kill: () => second.kill('SIGKILL') } };
    second.kill('SIGKILL');
  }
  throw new Error(`could not get a pid reused (last pid ${readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8').trim()})`);
}
