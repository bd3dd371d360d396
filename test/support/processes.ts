/** Pids for tests of what a process leaves behind: one that has exited, one that stays alive. */
import { spawn } from 'node:child_process';

/** The pid of a process that has exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** A process that stays alive until killed. */
export function livePid(): { pid: number; kill: () => void } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  return { pid: child.pid!, kill: () => child.kill('SIGKILL') };
}
