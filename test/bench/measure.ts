/**
 * Bench support: runs a peer's command under GNU time (`/usr/bin/time -f '%M %U %S'`) to get
 * its peak RSS and CPU time and times it from here; keeps track of every child and every cleanup step so that a
 * failure or Ctrl-C stops what was started and removes what was made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const running = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];

/** Registers a step for `cleanUp`; steps run last-registered first. Returns an unregister function. */
export function onCleanup(step: () => Promise<void>): () => void {
  cleanups.push(step);
  return () => {
    const i = cleanups.indexOf(step);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Stops running children, then runs every cleanup step once (errors are reported, not thrown). */
export async function cleanUp(): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c)));
  while (cleanups.length > 0) {
    const step = cleanups.pop()!;
    try {
      await step();
    } catch (err) {
      process.stderr.write(`bench cleanup: ${(err as Error).message}\n`);
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts a long-running child (a daemon) whose output goes to `logFd`; it is stopped by cleanUp. */
export function startTracked(cmd: string, args: string[], logFd: number): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', logFd, logFd] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export interface Measured {
  wallS: number;
  /** User plus system CPU time of the process and the children it waited for, seconds. */
  cpuS: number;
  /**
   * Peak resident set (GNU time's %M), MiB: of the process, or of the largest child it waited
   * for if that was larger (getrusage's ru_maxrss is a maximum, not a sum).
   */
  rssMiB: number;
}

/**
 * Runs `cmd args` to completion under /usr/bin/time; stdout is discarded, the tail of stderr is
 * kept for the error. Wall time is measured here, from spawn to exit.
 */
export async function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrimg-bench-time-'));
  const out = join(dir, 'rss');
  const forget = onCleanup(() => rm(dir, { recursive: true, force: true }));
  try {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', out, cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : -1)));
    });
    running.delete(child);
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr}`);
    const [kib, user, sys] = (await readFile(out, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
    if (![kib, user, sys].every((n) => Number.isFinite(n))) throw new Error(`no peak RSS and CPU time from /usr/bin/time for ${cmd}`);
    return { wallS, cpuS: user! + sys!, rssMiB: kib! / 1024 };
  } finally {
    await rm(dir, { recursive: true, force: true });
    forget();
  }
}

/** Runs a command to completion and returns its stdout (for checks, not timed). */
export function output(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      running.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr}`));
    });
  });
}

/**
 * CPU time (user plus system) a live process has used, with that of the children it has reaped
 * (containerd's unpigz), in seconds; from /proc/<pid>/stat, in clock ticks of 1/100 s.
 */
export async function procCpuS(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime is the 14th field.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return (utime! + stime! + cutime! + cstime!) / 100;
}

/** `VmHWM` or `VmRSS` of a live process, MiB. */
export async function procMemMiB(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** A positive integer from the environment variable `name`, else `fallback`. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/**
 * Runs a bench's `main`: exit code 1 when it could not measure, and `cleanUp` at the end, also
 * on Ctrl-C or SIGTERM (then exit 130).
 */
export async function runBench(main: () => Promise<void>): Promise<void> {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\nbench: ${signal}, stopping and cleaning up\n`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    await main();
  } catch (err) {
    if (!stopping) process.stderr.write(`bench FAILED: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    if (!stopping) await cleanUp();
  }
}
