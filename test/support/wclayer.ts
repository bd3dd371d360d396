/**
 * Test support: a temp directory with an executable `wclayer` wrapper that runs the stand-in
 * (wclayer-standin.ts), the environment that points ctrimg to it, and what it recorded.
 */
import { watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STANDIN = fileURLToPath(new URL('./wclayer-standin.js', import.meta.url));

/** What the stand-in's `export` of a scratch layer writes: this file in it, else an archive with no entry. */
export const STANDIN_EXPORT_TAR = 'standin-export.tar';

export interface StandinCall {
  argv: string[];
  /** The TEMP it was run with. */
  temp?: string;
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
  /** `env` with `command` (or only an import of a layer with parents) made to hang once its work is done, until killed. */
  hanging(command: string): NodeJS.ProcessEnv;
  /** Resolves with the pid of the first stand-in run that hangs. */
  untilHanging(): Promise<number>;
  calls(): Promise<StandinCall[]>;
  /** Forgets the calls recorded so far, and the runs that hung. */
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
    hanging: (command) => ({ ...env, WCLAYER_STANDIN_HANG: command }),
    untilHanging: () =>
      new Promise((resolve, reject) => {
        const watcher = watch(record);
        const look = () =>
          readdir(record).then((names) => {
            const found = names.find((n) => n.startsWith('hanging-'));
            if (!found) return;
            watcher.close();
            resolve(Number(found.slice('hanging-'.length)));
          }, reject);
        watcher.on('change', look).on('error', reject);
        void look();
      }),
    calls: async () => {
      const text = await readFile(join(record, 'calls.jsonl'), 'utf8').catch(() => '');
      const lines = text.split('\n').filter((l) => l !== '');
      return Promise.all(
        lines.map(async (l) => {
          const { argv, stdinFile, temp } = JSON.parse(l) as { argv: string[]; stdinFile?: string; temp?: string };
          return { argv, ...(temp !== undefined && { temp }), ...(stdinFile && { stdin: await readFile(join(record, stdinFile)) }) };
        }),
      );
    },
    reset: async () => {
      await rm(join(record, 'calls.jsonl'), { force: true });
      for (const name of await readdir(record)) if (name.startsWith('hanging-')) await rm(join(record, name));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
