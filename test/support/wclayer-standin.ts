/**
 * A stand-in for hcsshim's `wclayer`, run through a tiny shell wrapper that `$CTRIMG_WCLAYER`
 * points to (see wclayer.ts). It does to the file system what wclayer would (creates the layer
 * or scratch directory, the latter with an empty sandbox.vhdx, removes it) and records every call in `$WCLAYER_STANDIN_DIR`: one JSON
 * line per call in calls.jsonl, and the bytes received on stdin in stdin-<n>.tar.
 * `$WCLAYER_STANDIN_FAIL` = {"command","code","stderr"} makes that command fail once it has
 * read its input, as wclayer does when HCS refuses a layer. `$WCLAYER_STANDIN_READ_BYTES` makes
 * import stop reading stdin after that many bytes.
 * As hcsshim's layer writer does for a layer with parents, import stages in a `hcs*` directory
 * under $TEMP and deletes it at the end; each call records the TEMP it was given.
 * `$WCLAYER_STANDIN_HANG` = a command (or `import-with-parents`) makes that command, once its
 * work is done and before it deletes its staging directory, write `hanging-<pid>` in the record directory and wait to be
 * killed, as a run is when the machine goes down under it.
 * `export` writes to stdout the bytes of `standin-export.tar` in the scratch layer (a test puts
 * there what the container changed), else an archive with no entry.
 */
import { createWriteStream } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The file in a scratch layer whose bytes `export` writes as the layer's tar (wclayer.ts names it for tests). */
const EXPORT_TAR = 'standin-export.tar';

interface Failure {
  command: string;
  code: number;
  stderr: string;
}

async function main(): Promise<number> {
  const record = process.env.WCLAYER_STANDIN_DIR;
  if (!record) {
    process.stderr.write('wclayer stand-in: WCLAYER_STANDIN_DIR is not set\n');
    return 99;
  }
  const argv = process.argv.slice(2);
  const [command] = argv;
  const path = argv[argv.length - 1]!;
  const stdinFile = command === 'import' ? `stdin-${process.pid}-${Date.now()}.tar` : undefined;
  // The stdin file exists before the call is recorded: a stand-in killed at any point leaves both.
  if (stdinFile) await writeFile(join(record, stdinFile), '');
  await appendFile(join(record, 'calls.jsonl'), JSON.stringify({ argv, stdinFile, temp: process.env.TEMP }) + '\n');

  switch (command) {
    case 'import': {
      await mkdir(path);
      const staging = argv.includes('-l') ? await mkdtemp(join(process.env.TEMP ?? tmpdir(), 'hcs')) : undefined;
      await receive(join(record, stdinFile!), Number(process.env.WCLAYER_STANDIN_READ_BYTES ?? Infinity));
      if (hangs(command, argv)) await hang(record);
      if (staging) await rm(staging, { recursive: true, force: true });
      break;
    }
    case 'create':
      await mkdir(path);
      // As wclayer create, a scratch disk (here a placeholder: no VHDX inside).
      await writeFile(join(path, 'sandbox.vhdx'), '');
      break;
    case 'remove':
      await rm(path, { recursive: true, force: true });
      break;
    case 'export':
      // What the scratch layer holds, as a test put it there; an untouched one exports no entry.
      await pipeline(Readable.from([await readFile(join(path, EXPORT_TAR)).catch(() => Buffer.alloc(1024))]), process.stdout);
      break;
    default:
      process.stderr.write(`wclayer stand-in: unknown command '${command}'\n`);
      return 98;
  }
  const fail = process.env.WCLAYER_STANDIN_FAIL ? (JSON.parse(process.env.WCLAYER_STANDIN_FAIL) as Failure) : undefined;
  if (fail?.command === command) {
    process.stderr.write(fail.stderr);
    return fail.code;
  }
  return 0;
}

/** `$WCLAYER_STANDIN_HANG` names this command, or is `import-with-parents` and this imports a layer with parents. */
function hangs(command: string, argv: string[]): boolean {
  const on = process.env.WCLAYER_STANDIN_HANG;
  return on === command || (on === 'import-with-parents' && command === 'import' && argv.includes('-l'));
}

/** Says so in the record directory, then never returns: the test kills this process. */
async function hang(record: string): Promise<never> {
  await writeFile(join(record, `hanging-${process.pid}`), '');
  return new Promise<never>(() => setInterval(() => {}, 1 << 30));
}

/** Saves stdin, or only its first `limit` bytes, as wclayer stops at the end-of-archive marker. */
async function receive(file: string, limit: number): Promise<void> {
  if (limit === Infinity) return pipeline(process.stdin, createWriteStream(file));
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    kept.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) break;
  }
  await writeFile(file, Buffer.concat(kept).subarray(0, limit));
  process.stdin.destroy();
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`wclayer stand-in: ${err.message}\n`);
    process.exitCode = 1;
  },
);
