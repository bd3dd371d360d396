/**
 * What a cmdlet declares. cmdlets/<Verb-Noun>.ts each export one `CmdletSpec`; the CLI
 * (src/cli/run.ts) resolves the name, parses and validates parameters against `params` and
 * resolves their parameter set, handles the common parameters (-OutputFormat/--json, -Debug,
 * -Quiet, -Verbose, -ErrorAction; -WhatIf and -Confirm where the cmdlet changes state) and help,
 * calls `run`, and turns any thrown error into one stderr line and an exit code, with the hint
 * the cmdlet's `hints` table gives for the error's code.
 */
import type { CtrimgError, ErrorCode } from '../errors.js';
import type { OutputFormat } from '../format/output-format.js';

export type ParamType = 'string' | 'string[]' | 'switch' | 'number';

export interface ParamSpec {
  /** PascalCase, as PowerShell shows it: 'Name', 'RequiredVersion', 'WhatIf'. */
  name: string;
  type: ParamType;
  /** Other accepted names, also PascalCase: ['Version'] for RequiredVersion. */
  aliases?: string[];
  description: string;
  /** Mandatory in every parameter set the parameter belongs to. */
  required?: boolean;
  /** Bare words on the command line fill the first positional parameter. */
  positional?: boolean;
  /** Allowed values (case-insensitive); the parsed value is the spelling given here. */
  choices?: string[];
  /** For 'number': the whole numbers allowed, inclusive (PowerShell's ValidateRange). */
  range?: [number, number];
  /** A docker-style verb's one-letter flag: 'a' for `-a`, combinable as `-aq`. */
  short?: string;
  /** The parameter sets (CmdletSpec.parameterSets) it belongs to; absent: every set. */
  sets?: string[];
  /** Tab completion (cli/complete.ts) offers the installed images' names for its value. */
  completesImageNames?: boolean;
}

/**
 * Named combinations of parameters, as PowerShell's parameter sets: the parameters given must
 * all belong to one set, and that set's required parameters must all be given.
 */
export interface ParameterSets {
  /** Every set, in the order help shows their syntax. */
  names: string[];
  /** Chosen when the parameters given fit several sets equally well. */
  default: string;
}

/**
 * A cmdlet's hint for an error code, replacing the operation's own (which speaks of the domain,
 * never of parameters): a text, or one made from the error (its details), or undefined to keep it.
 */
export type Hint = string | ((err: CtrimgError) => string | undefined);

/** A cmdlet's hints, keyed by the codes of the closed set: a misspelt code does not compile. */
export type Hints = Partial<Record<ErrorCode, Hint>>;

export interface Example {
  command: string;
  description: string;
}

/** Parsed parameters keyed by the PascalCase parameter name; absent ones are undefined. */
export type Args = Record<string, string | string[] | boolean | number | undefined>;

/**
 * How much a state-changing cmdlet's change may cost, as PowerShell's ConfirmImpact: 'High' ones
 * (removals, -Fix) ask before each change on a terminal unless -Force or -Confirm:$false;
 * 'Medium' ones ask only with -Confirm.
 */
export type ConfirmImpact = 'Medium' | 'High';

/**
 * What a cmdlet that acts on several objects does when one fails (-ErrorAction): Continue writes
 * the error and goes on; Stop makes it the command's error and attempts nothing after it;
 * SilentlyContinue goes on without writing it. The exit code says a failure either way.
 */
export type ErrorAction = 'Continue' | 'Stop' | 'SilentlyContinue';

export interface CmdletIO {
  /** Reads all of stdin (the pipeline); '' when stdin is a terminal or empty. */
  readStdin(): Promise<string>;
  /** Results: tables and JSON. */
  out(text: string): void;
  /**
   * Informational lines; never mixed into stdout. These and warn/debug are written as one line
   * each, credentials removed and control characters escaped: they may quote registry text.
   */
  info(text: string): void;
  /** The terminal's layer progress block, written to stderr as is (it draws with ANSI escapes). */
  progress(text: string): void;
  warn(text: string): void;
  /** Only printed with -Debug. */
  debug(text: string): void;
  /**
   * PowerShell's ShouldProcess, called before each change to one object: false with -WhatIf
   * (after writing `What if: Performing the operation "<action>" on target "<target>".`), or when
   * the user answers no; true otherwise (writing a VERBOSE line with -Verbose). Asks when the
   * cmdlet's ConfirmImpact and -Confirm/-Force call for it (src/cli/confirm.ts); when no prompt
   * is possible (stdin or stderr is not a terminal) it throws CONFIRMATION_REQUIRED instead of
   * waiting, so call it for every object before changing any. `impact` 'High' makes this one
   * question behave as a High cmdlet's (asked unless -Force), for a Medium cmdlet's destructive part.
   */
  shouldProcess(target: string, action: string, impact?: ConfirmImpact): Promise<boolean>;
  /** -WhatIf was given: change nothing (shouldProcess says so per object). */
  whatIf: boolean;
  /**
   * PowerShell's WriteError, for one object's failure in a multi-object operation: by -ErrorAction,
   * writes the error line and goes on (Continue), throws it (Stop), or goes on silently
   * (SilentlyContinue). The run then exits with the first such error's code.
   */
  writeError(err: unknown): void;
  errorAction: ErrorAction;
  outputFormat: OutputFormat;
  quiet: boolean;
  /** True when stderr is a terminal (progress may redraw lines). */
  interactive: boolean;
  signal: AbortSignal;
}

export interface CmdletSpec {
  /** Canonical Verb-Noun name, or a docker-style verb ('images'). */
  name: string;
  /**
   * 'docker': flags are parsed as docker's CLI parses them (cli/docker-parse.ts: `--no-trunc`,
   * `-aq`, repeated `--filter`), and no common parameter applies. Default: PowerShell's way.
   */
  syntax?: 'docker';
  /** A docker-style verb's arguments as its help shows them after the verb: '[OPTIONS] IMAGE [IMAGE...]'. */
  usage?: string;
  aliases?: string[];
  synopsis: string;
  /**
   * Set on the cmdlets that change state: the CLI adds -WhatIf and -Confirm to their parameters
   * and help. A 'High' one declares a -Force switch, which skips its confirmation.
   */
  confirmImpact?: ConfirmImpact;
  params: ParamSpec[];
  parameterSets?: ParameterSets;
  /** Hints by error code, in the words of this cmdlet's parameters (src/cli/hints.ts applies them). */
  hints?: Hints;
  examples: Example[];
  /** The -OutputFormat values the cmdlet renders; absent: Table and Json (DEFAULT_OUTPUT_FORMATS). */
  outputFormats?: readonly OutputFormat[];
  /** `parameterSet`: the set the parameters given resolved to, when the cmdlet declares sets. */
  run(args: Args, io: CmdletIO, parameterSet?: string): Promise<void>;
}

/**
 * What a cmdlet runs, in cmdlets/run/<Verb-Noun>.ts: its spec's `run` loads it by a dynamic
 * import, so help and parsing never load the operations, the store or the registry client.
 */
export type CmdletRun = CmdletSpec['run'];
