/**
 * The CLI runner: resolves the cmdlet, parses its parameters, shows help, calls run() and turns
 * whatever it throws into one stderr line ending in the error's code, or with -OutputFormat Json
 * one JSON object line, and an exit code (decided by exitCodeOf). Never throws.
 */
import type { EventEmitter } from 'node:events';
import { CtrimgError, exitCodeOf, isAbort, usage } from '../errors.js';
import { DEFAULT_OUTPUT_FORMATS, type OutputFormat } from '../format/output-format.js';
import type { CmdletSpec, ParamSpec } from './types.js';
import { commandNamed, commandNames, COMMON_PARAMS, resolveParam } from './names.js';
import type { Parsed } from './resolve.js';
import { isWildcard } from '../ops/wildcard.js';
import { complete, COMPLETE_WORD } from './complete.js';
import { HELP_WORDS, LISTING_CMDLET, renderCmdletHelp, renderUsage } from './help.js';
import { withCmdletHint } from './hints.js';
import { createIO, errorLine, safe, type Streams } from './io.js';
import { closest } from '../suggest.js';

export interface CliEnv extends Streams {
  /**
   * Default: `stdin.isTTY`. When true, readStdin() returns '' without reading. A confirmation is
   * asked only when this and stderrIsTTY are both true; otherwise it is refused (confirm.ts).
   */
  stdinIsTTY?: boolean;
  /** Default: `stderr.isTTY`. Becomes CmdletIO.interactive. */
  stderrIsTTY?: boolean;
  /** Where SIGINT/SIGTERM arrive (default: process); the first one aborts CmdletIO.signal. */
  signals?: EventEmitter;
}

const HELP_FLAGS = ['-?', '-help', '--help'];
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

const isTTY = (s: unknown) => (s as { isTTY?: boolean }).isTTY === true;

function findCmdlet(cmdlets: CmdletSpec[], written: string): CmdletSpec {
  const found = commandNamed(cmdlets, written);
  if (found) return found;
  const near = closest(written, cmdlets.flatMap(commandNames));
  throw usage(`unknown cmdlet '${written}'; ${near ? `did you mean '${near}'?` : "run 'ctrimg help' to list cmdlets"}`);
}

/**
 * The output format asked for, read leniently: when parsing failed the error is still written
 * in it. Tokens that do not name a parameter are skipped; after `--` all are bare words.
 */
function requestedFormat(params: ParamSpec[], tokens: string[]): OutputFormat {
  let json = false;
  let format: OutputFormat = 'Table';
  for (let i = 0; i < tokens.length && tokens[i] !== '--'; i++) {
    const [, written, attached] = /^--?([A-Za-z][^=:]*)(?:[=:](.*))?$/s.exec(tokens[i]) ?? [];
    if (written === undefined) continue;
    let p: ParamSpec;
    try {
      p = resolveParam([...params, ...COMMON_PARAMS], written);
    } catch {
      continue;
    }
    // As in parseParameters: -Json wins over -OutputFormat.
    if (p.name === 'Json') json ||= attached === undefined || /^\$?true$/i.test(attached);
    else if (p.name === 'OutputFormat') format = /^json$/i.test(attached ?? tokens[i + 1] ?? '') ? 'Json' : 'Table';
  }
  return json ? 'Json' : format;
}

/** The stack of err and of each cause, for -Debug. */
function stackOf(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? (e.stack ?? String(e)) : String(e));
  }
  return parts.join('\nCaused by: ').split('\n').map(safe).join('\n');
}

/**
 * An abort surfaces as Node's bare "The operation was aborted": report instead which cmdlet
 * stopped, and why when our own signal did it.
 */
function explainAbort(err: unknown, cmdlet: string, signal: AbortSignal): unknown {
  if (!isAbort(err)) return err;
  if (signal.aborted && signal.reason instanceof CtrimgError) return signal.reason;
  return new CtrimgError('failed', `${cmdlet} was cancelled before it finished`, { code: 'CANCELLED', cause: err });
}

/** Runs `ctrimg <argv...>` and returns the exit code. */
export async function runCli(argv: string[], cmdlets: CmdletSpec[], env: CliEnv): Promise<number> {
  const report = (cmdlet: string, err: unknown, debug: boolean, format: OutputFormat): number => {
    env.stderr.write(`${errorLine(cmdlet, err, format)}\n`);
    if (debug) env.stderr.write(`${stackOf(err)}\n`);
    return exitCodeOf(err);
  };

  const [first, ...rest] = argv;
  // The shells' completion scripts call this on every TAB: it reads the specs only, and says nothing on stderr.
  if (first === COMPLETE_WORD) {
    env.stdout.write((await complete(cmdlets, rest)).map((c) => `${c}\n`).join(''));
    return 0;
  }
  let spec: CmdletSpec;
  /** `ctrimg help` without a cmdlet: Get-Command's list, then the usage lines. */
  let listing = false;
  try {
    if (first === undefined || HELP_WORDS.includes(first.toLowerCase())) {
      const [topic] = rest;
      if (topic !== undefined && !topic.startsWith('-') && !isWildcard(topic)) {
        env.stdout.write(renderCmdletHelp(findCmdlet(cmdlets, topic)));
        return 0;
      }
      listing = true;
      spec = findCmdlet(cmdlets, LISTING_CMDLET);
    } else {
      spec = findCmdlet(cmdlets, first);
    }
  } catch (err) {
    return report('ctrimg', err, false, requestedFormat([], rest));
  }

  // -? anywhere shows help even when other parameters would not parse, as in PowerShell.
  if (rest.some((t) => HELP_FLAGS.includes(t.toLowerCase()))) {
    env.stdout.write(renderCmdletHelp(spec));
    return 0;
  }

  let parsed: Parsed;
  try {
    // Loaded here, not for help.
    parsed =
      spec.syntax === 'docker'
        ? (await import('./docker-parse.js')).parseDockerParameters(spec.params, rest)
        : (await import('./parse.js')).parseParameters(spec.params, rest, spec.parameterSets, spec.confirmImpact);
  } catch (err) {
    return report(spec.name, withCmdletHint(spec, err), false, spec.syntax === 'docker' ? 'Table' : requestedFormat(spec.params, rest));
  }
  const { args, common, parameterSet } = parsed;
  if (common.help) {
    env.stdout.write(renderCmdletHelp(spec));
    return 0;
  }
  const formats = spec.outputFormats ?? DEFAULT_OUTPUT_FORMATS;
  if (!formats.includes(common.outputFormat)) {
    return report(spec.name, usage(`-OutputFormat ${common.outputFormat} is not one ${spec.name} renders; use ${formats.join(' or ')}`), false, 'Table');
  }

  const controller = new AbortController();
  const onSignal = SIGNALS.map((name) => [name, () =>
    controller.abort(new CtrimgError('failed', `${spec.name} was cancelled by ${name}`, { code: 'CANCELLED', hint: 'run it again to finish' }))] as const);
  const signals = env.signals ?? process;
  try {
    // Asked only when needed (a question, piped input, progress): asking makes the stream.
    const { whatIf, confirm, ...options } = common;
    const io = createIO(env, {
      ...options,
      cmdlet: spec.name,
      hinted: (err) => withCmdletHint(spec, err),
      confirmation: { impact: spec.confirmImpact, whatIf, confirm, force: args.Force === true },
      get stdinIsTTY() {
        return env.stdinIsTTY ?? isTTY(env.stdin);
      },
      get stderrIsTTY() {
        return env.stderrIsTTY ?? isTTY(env.stderr);
      },
      signal: controller.signal,
    });
    // `once`: a second Ctrl-C finds no listener and Node's default handling ends the process.
    for (const [s, handler] of onSignal) signals.once(s, handler);
    await spec.run(args, io, parameterSet);
    if (listing && common.outputFormat === 'Table') env.stdout.write(renderUsage());
    // Errors of single objects written and gone past (-ErrorAction Continue) still fail the command.
    return io.exitCode;
  } catch (err) {
    return report(spec.name, withCmdletHint(spec, explainAbort(err, spec.name, controller.signal)), common.debug, common.outputFormat);
  } finally {
    for (const [s, handler] of onSignal) signals.off(s, handler);
  }
}
