/**
 * Runs the built `ctrimg` executable as a child process, the way a user or a script does, with
 * its store in a given root. Exit code, stdout and stderr come back for the test to check.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

/** An image as Get-ContainerImage -OutputFormat Json prints it (what the e2e tests read of it). */
export interface ImageJson {
  Name: string;
  Publisher: string;
  Version: string;
  IsOSImage: boolean;
  ParentImage: { Name: string; Publisher: string; Version: string } | null;
  Id: string;
  Digest: string;
  Repository: string;
  Tag: string;
  Size: number;
  Created: string;
  Platform: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** The working directory the command runs in (default this process's): a relative root is relative to it. */
  cwd?: string;
  /** Killed (SIGKILL) after this long, so a command that hangs fails its test instead of wedging the run. */
  timeoutMs?: number;
}

export interface RunningCli {
  pid: number;
  /** Resolves with stderr so far once it matches `re` (a line the command printed). */
  stderrMatches(re: RegExp): Promise<string>;
  done: Promise<CliResult>;
}

/** Starts a command without waiting for it. */
export function startCtrimg(root: string, args: string[], opts: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, CTRIMG_ROOT: root },
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  child.stdin.end(opts.stdin ?? '');
  const stderrMatches = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!re.test(stderr)) return;
        child.stderr.off('data', check);
        resolve(stderr);
      };
      child.stderr.on('data', check);
      done.then(() => reject(new Error(`ctrimg ${args.join(' ')} ended without printing ${re}: ${stderr}`)), reject);
      check();
    });
  return { pid: child.pid!, stderrMatches, done };
}

export function ctrimg(root: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCtrimg(root, args, opts).done;
}

/** Runs a cmdlet with -OutputFormat Json and parses its one document; fails on a non-zero exit. */
export async function ctrimgJson<T = Record<string, unknown>>(root: string, args: string[], opts: { stdin?: string } = {}): Promise<T[]> {
  const r = await ctrimg(root, [...args, '-OutputFormat', 'Json'], opts);
  if (r.code !== 0) throw new Error(`ctrimg ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}

export interface PipelineResult {
  /** The left command's exit code and stderr (its stdout went down the pipe). */
  producer: { code: number; stderr: string };
  consumer: CliResult;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `ctrimg <left> | ctrimg <right>` as a shell runs it: bash makes the OS pipe between the two
 * processes, so the right one reads the left one's stdout exactly as a script's pipeline gives it.
 */
export function ctrimgPipeline(root: string, left: string[], right: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<PipelineResult> {
  const command = (args: string[]) => [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  // fd 3: the producer's stderr; fd 4: both exit codes.
  const script = `${command(left)} 2>&3 | ${command(right)}; echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" >&4`;
  const child = spawn('bash', ['-c', script], {
    env: { ...process.env, ...opts.env, CTRIMG_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
  });
  const collect = (i: number) => {
    let text = '';
    (child.stdio[i] as NodeJS.ReadableStream).on('data', (d: Buffer) => (text += d.toString()));
    return () => text;
  };
  const [stdout, stderr, producerErr, codes] = [1, 2, 3, 4].map(collect) as [() => string, () => string, () => string, () => string];
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const [left, right] = codes().trim().split(' ').map(Number);
      if (code !== 0 || left === undefined || right === undefined) return reject(new Error(`bash ran no pipeline (exit ${code}): ${stderr()}`));
      resolve({ producer: { code: left, stderr: producerErr() }, consumer: { code: right, stdout: stdout(), stderr: stderr() } });
    });
  });
}
