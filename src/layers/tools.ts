/**
 * Runs the system tools that do what Node cannot for layers: on Linux setfattr/getfattr from the
 * attr package, mknod/mkfifo and cp from coreutils (arguments as bytes where they are paths,
 * output as bytes, in the C locale so that their messages can be read). Programs that answer
 * questions about the host are run by src/programs.ts.
 */
import { spawn } from 'node:child_process';
import { failed } from '../errors.js';

export interface ToolResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The Debian package holding each tool, for the hint when one is missing. */
const PACKAGES: Record<string, string> = { setfattr: 'attr', getfattr: 'attr', mknod: 'coreutils', mkfifo: 'coreutils', cp: 'coreutils' };

/**
 * Runs `tool` with `args` (Buffers reach it byte for byte) and `input` on its stdin; resolves
 * with its exit code and output whatever the code. Fails only when it cannot be started.
 */
export function runTool(tool: string, args: (string | Buffer)[], input?: Buffer): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', BYTE_ARGS, tool, ...args.map(octal)], {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (err) => reject(failed(`cannot run ${tool}: ${err.message}`, { cause: err })));
    child.on('close', (code) => {
      if (code !== NOT_FOUND) return resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      reject(failed(`${tool} is not installed: ctrimg needs it to unpack layers as containerd does`, {
        hint: `install the ${PACKAGES[tool] ?? tool} package`,
      }));
    });
    child.stdin.on('error', () => {}); // a tool that exits early closes its stdin; its exit code tells
    child.stdin.end(input);
  });
}

/**
 * Node passes a string argument as UTF-8, so a path that is not cannot be an argument as it is.
 * Each argument goes as `\0ooo` escapes of its bytes, which the shell's printf %b turns back
 * into those bytes (the `x` keeps a trailing newline from command substitution).
 */
const BYTE_ARGS = `n=$#; for a do p=$(printf '%bx' "$a"); set -- "$@" "\${p%x}"; done; shift $n; command -v "$0" >/dev/null || exit 127; exec "$0" "$@"`;

/** The exit code of a shell that did not find the command (POSIX). */
const NOT_FOUND = 127;

function octal(arg: string | Buffer): string {
  let out = '';
  for (const byte of typeof arg === 'string' ? Buffer.from(arg) : arg) out += `\\0${byte.toString(8).padStart(3, '0')}`;
  return out;
}
