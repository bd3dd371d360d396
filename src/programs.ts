/**
 * Runs the programs ctrimg asks the operating system's questions of (powershell.exe, whoami.exe,
 * diskpart.exe, reg.exe), to their end: one asynchronous runner and one synchronous one (for a
 * caller that cannot wait, such as the process table a lock consults). Each is a type too, so a
 * test passes its own. A shared leaf: it imports no other module of ours. Layer tools with byte
 * paths (layers/tools.ts) and wclayer's streaming runner (importers/wclayer.ts) have their own.
 */
import { createRequire } from 'node:module';

// Loaded on the first program run: node:child_process (with net and its streams) takes some 5 ms
// to load, and most commands never start a program.
const childProcess = () => createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');

/** Runs a program to the end and resolves with its stdout; rejects, quoting what it printed, when it fails. */
export type RunProgram = (exe: string, args: string[]) => Promise<string>;

/** What of a failed program's output a message quotes: its last lines (diskpart writes its errors to stdout). */
const SAID_KEEP = 600;

export const runProgram: RunProgram = (exe, args) =>
  new Promise((resolve, reject) => {
    const child = childProcess().spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      const lines = (stderr.trim() || stdout.trim()).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
      const said = lines.join(' / ').slice(-SAID_KEEP);
      reject(new Error(`${exe} exited with code ${code}${said ? `: ${said}` : ''}`));
    });
  });

/** Runs a program to its end: its exit status and standard output, whatever the status. */
export type RunSync = (exe: string, args: string[]) => { status: number | null; stdout: string };

export const runSync: RunSync = (exe, args) => {
  const r = childProcess().spawnSync(exe, args, { encoding: 'utf8', windowsHide: true });
  return { status: r.status, stdout: r.stdout ?? '' };
};
