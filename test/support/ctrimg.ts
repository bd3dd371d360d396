/**
 * Runs the built `ctrimg` executable as a child process, the way a user or a script does, with
 * its store in a given root. Exit code, stdout and stderr come back for the test to check.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `root` may be relative: to `cwd`, the working directory the command runs in (default this process's). */
export function ctrimg(root: string, args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, CTRIMG_ROOT: root },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Runs a cmdlet with -OutputFormat Json and parses its one document; fails on a non-zero exit. */
export async function ctrimgJson<T = Record<string, unknown>>(root: string, args: string[], opts: { stdin?: string } = {}): Promise<T[]> {
  const r = await ctrimg(root, [...args, '-OutputFormat', 'Json'], opts);
  if (r.code !== 0) throw new Error(`ctrimg ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}
