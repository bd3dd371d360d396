/**
 * Test support: a temp directory with an executable `wclayer` wrapper that runs the stand-in
 * (wclayer-standin.ts), the environment that points ctrimg to it, and what it recorded.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STANDIN = fileURLToPath(new URL('./wclayer-standin.js', import.meta.url));

export interface StandinCall {
  argv: string[];
  /** What the call received on stdin (import only). */
  stdin?: Buffer;
}

export interface Standin {
  /** The wrapper script, as CTRIMG_WCLAYER names it. */
  exe: string;
  /** process.env plus CTRIMG_WCLAYER and the stand-in's record directory. */
  env: NodeJS.ProcessEnv;
  /** `env` with `command` made to fail with that exit code and stderr. */
  failing(command: string, code: number, stderr: string): NodeJS.ProcessEnv;
  calls(): Promise<StandinCall[]>;
  /** Forgets the calls recorded so far. */
  reset(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeStandin(): Promise<Standin> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrimg-wclayer-'));
  const record = join(dir, 'record');
  await mkdir(record);
  const exe = join(dir, 'wclayer');
  await writeFile(exe, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(STANDIN)} "$@"\n`);
  await chmod(exe, 0o755);
  const env = { ...process.env, CTRIMG_WCLAYER: exe, WCLAYER_STANDIN_DIR: record };
  return {
    exe,
    env,
    failing: (command, code, stderr) => ({ ...env, WCLAYER_STANDIN_FAIL: JSON.stringify({ command, code, stderr }) }),
    calls: async () => {
      const text = await readFile(join(record, 'calls.jsonl'), 'utf8').catch(() => '');
      const lines = text.split('\n').filter((l) => l !== '');
      return Promise.all(
        lines.map(async (l) => {
          const { argv, stdinFile } = JSON.parse(l) as { argv: string[]; stdinFile?: string };
          return stdinFile ? { argv, stdin: await readFile(join(record, stdinFile)) } : { argv };
        }),
      );
    },
    reset: async () => {
      await rm(join(record, 'calls.jsonl'), { force: true });
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
