/** The CmdletIO a cmdlet writes through: results to stdout, everything else to stderr. */
import type { CmdletIO } from './types.js';
import type { OutputFormat } from '../format/output-format.js';
import { escapeControls } from '../format/escape.js';
import { redactSecrets } from '../redact.js';

export interface Streams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface IOOptions {
  outputFormat: OutputFormat;
  quiet: boolean;
  /** Informational messages even with quiet. */
  verbose: boolean;
  debug: boolean;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  signal: AbortSignal;
}

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
/**
 * Text for stderr: no credential, no raw control character (it may quote registry text or a
 * URL). Every line ctrimg writes there passes here, the runner's errors and stacks included.
 */
export const safe = (text: string) => escapeControls(redactSecrets(text));
/** A message for stderr as one line. */
const message = (text: string) => `${safe(text.replace(/\n$/, ''))}\n`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function createIO(streams: Streams, opts: IOOptions): CmdletIO {
  let stdin: Promise<string> | undefined;
  return {
    readStdin: () => (stdin ??= opts.stdinIsTTY ? Promise.resolve('') : readAll(streams.stdin)),
    out: (text) => {
      if (text !== '') streams.stdout.write(line(text));
    },
    info: (text) => {
      if (!opts.quiet || opts.verbose) streams.stderr.write(message(text));
    },
    progress: (text) => {
      if (!opts.quiet || opts.verbose) streams.stderr.write(text);
    },
    warn: (text) => {
      streams.stderr.write(message(`WARNING: ${text}`));
    },
    debug: (text) => {
      if (opts.debug) streams.stderr.write(message(`DEBUG: ${text}`));
    },
    confirm: async (question) => {
      if (!opts.stdinIsTTY || !opts.stderrIsTTY) return true;
      // Loaded here: only a question on a terminal needs readline.
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: streams.stdin, output: streams.stderr });
      try {
        const answer = await rl.question(`${safe(question)} [Y] Yes  [N] No (default is "N"): `, { signal: opts.signal });
        return /^\s*y(es)?\s*$/i.test(answer);
      } finally {
        rl.close();
      }
    },
    get canAsk() {
      return opts.stdinIsTTY && opts.stderrIsTTY;
    },
    outputFormat: opts.outputFormat,
    quiet: opts.quiet && !opts.verbose,
    // A getter: IOOptions may compute it when asked (run.ts does), and a listing never asks.
    get interactive() {
      return opts.stderrIsTTY;
    },
    signal: opts.signal,
  };
}
