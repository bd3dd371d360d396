/** The CmdletIO a cmdlet writes through: results to stdout, everything else to stderr. */
import type { CmdletIO, ConfirmImpact, ErrorAction } from './types.js';
import { CtrimgError, errorCodeOf, exitCodeOf } from '../errors.js';
import type { OutputFormat } from '../format/output-format.js';
import { escapeControls } from '../format/escape.js';
import { redactSecrets } from '../redact.js';
import { decide, noPrompt, operation, type Confirmation } from './confirm.js';

export interface Streams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface IOOptions {
  /** The cmdlet's name, which starts each error line. */
  cmdlet: string;
  /** The cmdlet's hint for an error it writes and goes past, as the runner gives one that ends it. */
  hinted: (err: unknown) => unknown;
  outputFormat: OutputFormat;
  quiet: boolean;
  /** Informational messages even with quiet, and a VERBOSE line before each change. */
  verbose: boolean;
  debug: boolean;
  errorAction: ErrorAction;
  /** -WhatIf, -Confirm, -Force and the cmdlet's ConfirmImpact. */
  confirmation: Confirmation;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  signal: AbortSignal;
}

/** The CmdletIO, and what the runner reads of it once the cmdlet returns. */
export interface RunIO extends CmdletIO {
  /** The exit code of the first error writeError took; 0 when none. */
  readonly exitCode: number;
}

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
/**
 * Text for stderr: no credential, no raw control character (it may quote registry text or a
 * URL). Every line ctrimg writes there passes here, the runner's errors and stacks included.
 */
export const safe = (text: string) => escapeControls(redactSecrets(text));
/** A message for stderr as one line. */
const message = (text: string) => `${safe(text.replace(/\n$/, ''))}\n`;
/** Text for one stderr line: credentials removed, control characters escaped, newlines folded. */
const oneLine = (text: string) => safe(text.replace(/\s*\n\s*/g, ' '));

/** `cmdlet: message (hint) [CODE]` on one line, or with Json one object with the same parts, on one line. */
export function errorLine(cmdlet: string, err: unknown, format: OutputFormat): string {
  const text = oneLine(err instanceof Error ? err.message || err.name : String(err));
  const hint = err instanceof CtrimgError && err.hint ? oneLine(err.hint) : undefined;
  const code = errorCodeOf(err);
  if (format === 'Json') {
    return JSON.stringify({ Cmdlet: cmdlet, Message: text, Hint: hint ?? null, Code: code, ExitCode: exitCodeOf(err) });
  }
  return `${cmdlet}: ${text}${hint ? ` (${hint})` : ''} [${code}]`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

type Answer = 'Yes' | 'YesToAll' | 'No' | 'NoToAll';
const ANSWERS: Record<string, Answer> = { y: 'Yes', yes: 'Yes', a: 'YesToAll', n: 'No', no: 'No', l: 'NoToAll' };

export function createIO(streams: Streams, opts: IOOptions): RunIO {
  let stdin: Promise<string> | undefined;
  let exitCode = 0;
  // [A] Yes to All / [L] No to All: the answer for every later object of this run.
  let answeredAll: boolean | undefined;

  /** PowerShell's prompt; an empty or unknown answer is No. `impact`: the question's, for the refusal's hint. */
  async function ask(action: string, target: string, impact: ConfirmImpact | undefined): Promise<boolean> {
    if (answeredAll !== undefined) return answeredAll;
    // Checked first: a prompt nobody can answer would hang a script.
    const missing = !opts.stdinIsTTY ? 'stdin' : !opts.stderrIsTTY ? 'stderr' : undefined;
    if (missing) throw noPrompt({ ...opts.confirmation, impact }, action, target, missing);
    // Loaded here: only a question on a terminal needs readline.
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: streams.stdin, output: streams.stderr });
    try {
      for (const text of ['Confirm', 'Are you sure you want to perform this action?', operation(action, target)]) streams.stderr.write(message(text));
      const written = await rl.question('[Y] Yes  [A] Yes to All  [N] No  [L] No to All  (default is "N"): ', { signal: opts.signal });
      const answer = ANSWERS[written.trim().toLowerCase()] ?? 'No';
      if (answer === 'YesToAll' || answer === 'NoToAll') answeredAll = answer === 'YesToAll';
      return answer === 'Yes' || answer === 'YesToAll';
    } finally {
      rl.close();
    }
  }

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
    shouldProcess: async (target, action, impact) => {
      const asked = impact ?? opts.confirmation.impact;
      const decision = decide(opts.confirmation, asked);
      if (decision === 'WhatIf') {
        // What -WhatIf was asked for: written even with -Quiet.
        streams.stderr.write(message(`What if: ${operation(action, target)}`));
        return false;
      }
      if (decision === 'Ask' && !(await ask(action, target, asked))) return false;
      if (opts.verbose) streams.stderr.write(message(`VERBOSE: ${operation(action, target)}`));
      return true;
    },
    whatIf: opts.confirmation.whatIf,
    writeError: (thrown) => {
      const err = opts.hinted(thrown);
      if (opts.errorAction === 'Stop') throw err;
      if (exitCode === 0) exitCode = exitCodeOf(err);
      if (opts.errorAction === 'Continue') streams.stderr.write(`${errorLine(opts.cmdlet, err, opts.outputFormat)}\n`);
    },
    errorAction: opts.errorAction,
    outputFormat: opts.outputFormat,
    quiet: opts.quiet && !opts.verbose,
    // A getter: IOOptions may compute it when asked (run.ts does), and a listing never asks.
    get interactive() {
      return opts.stderrIsTTY;
    },
    signal: opts.signal,
    get exitCode() {
      return exitCode;
    },
  };
}
