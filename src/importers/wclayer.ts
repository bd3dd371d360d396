/**
 * Finding and running hcsshim's `wclayer` tool: `$CTRIMG_WCLAYER` first, else `wclayer` or
 * `wclayer.exe` on PATH. A run that exits non-zero fails with its stderr in the message, since
 * that is the only account of what the Host Compute Service refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { failed } from '../errors.js';

const HINT = "install hcsshim's wclayer and put it on PATH, or set CTRIMG_WCLAYER to its full path";
/** Enough of stderr for the reason; wclayer prints one line, a crash may print pages. */
const STDERR_KEEP = 8192;

async function isExecutable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findWclayer(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const configured = env.CTRIMG_WCLAYER;
  if (configured) {
    if (await isExecutable(configured)) return configured;
    throw failed(`CTRIMG_WCLAYER is set to '${configured}', which is not an executable file`, { code: 'WCLAYER_NOT_FOUND', hint: HINT });
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    for (const name of ['wclayer', 'wclayer.exe']) {
      if (await isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  throw failed(`cannot find wclayer: CTRIMG_WCLAYER is not set and neither wclayer nor wclayer.exe is in a PATH directory (${dirs.join(delimiter) || 'PATH is empty'})`, {
    code: 'WCLAYER_NOT_FOUND',
    hint: HINT,
  });
}

export interface WclayerRun {
  child: ChildProcess;
  /** Settles when the process has exited: resolves on exit code 0, else rejects with WCLAYER_FAILED. */
  exited: Promise<void>;
}

/** Starts `wclayer <args>`; stdin and stdout are pipes only when `stdin` and `stdout` are set. */
export function startWclayer(exe: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: boolean; stdout?: boolean } = {}): WclayerRun {
  const child = spawn(exe, args, { env: opts.env, stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'], windowsHide: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_KEEP);
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(failed(`cannot run ${exe}: ${err.message}`, { code: 'WCLAYER_NOT_FOUND', hint: HINT, cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const said = stderr.trim().split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').join(' / ');
      reject(failed(`wclayer ${args[0]} ${how}${said ? `: ${said}` : ' and printed nothing on stderr'}`, { code: 'WCLAYER_FAILED' }));
    });
  });
  return { child, exited };
}

/** Runs `wclayer <args>` to the end. */
export function runWclayer(exe: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  return startWclayer(exe, args, { env }).exited;
}
