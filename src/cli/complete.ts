/**
 * Tab completion, computed once here for every shell: the scripts `ctrimg completion bash|powershell`
 * prints (completion-scripts.ts) call `ctrimg __complete <N> <word>...` with the words after
 * `ctrimg` up to the cursor, N being the position of the word being completed (from 1); when
 * fewer than N words come, that word is empty (PowerShell drops an empty argument on its way to
 * some programs, so the position, not an empty word, says where the cursor is). The answer is one
 * candidate per line: cmdlet names (a case-insensitive prefix: `get-c` gives Get-Command,
 * Get-Container, ...), parameter names of the cmdlet typed (`-Re` gives -RequiredVersion,
 * -Reference; `--re` their POSIX forms), and the values of parameters that take a fixed set.
 * Runs on every TAB: it reads the specs, and the store only for an image name (read only).
 */
import { DEFAULT_OUTPUT_FORMATS } from '../format/output-format.js';
import { compareIgnoringCase } from './commands.js';
import { HELP_WORDS, LISTING_CMDLET } from './help.js';
import { cmdletParams, commandNamed, commandNames, COMMON_PARAMS, dockerFlag, isParamToken, paramKey, resolveParam } from './names.js';
import type { CmdletSpec, ParamSpec } from './types.js';

/** The hidden first argument that asks for completions. */
export const COMPLETE_WORD = '__complete';

const startsWith = (candidate: string, typed: string) => candidate.toLowerCase().startsWith(typed.toLowerCase());

/** The candidates for `ctrimg __complete <N> <word>...` (the arguments after `__complete`). */
export async function complete(cmdlets: CmdletSpec[], args: string[]): Promise<string[]> {
  const [position, ...given] = args;
  const n = Number(position);
  if (!Number.isInteger(n) || n < 1) return [];
  const words = given.slice(0, n);
  while (words.length < n) words.push('');
  return completeWords(cmdlets, words);
}

/** `words`: after `ctrimg`, the last one being completed ('' after a space). */
export async function completeWords(cmdlets: CmdletSpec[], words: string[]): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const [first, ...before] = words.slice(0, -1);
  if (first === undefined) return cmdletNames(cmdlets, current, ['help']);
  if (HELP_WORDS.includes(first.toLowerCase())) {
    // `help <Cmdlet>`; with a parameter, help lists the commands as Get-Command does.
    const listing = cmdlets.find((c) => c.name === LISTING_CMDLET);
    if (before.length === 0 && !current.startsWith('-')) return cmdletNames(cmdlets, current);
    return listing ? powerShellCompletions(listing, before, current) : [];
  }
  const spec = commandNamed(cmdlets, first);
  if (!spec) return [];
  return spec.syntax === 'docker' ? dockerCompletions(spec, before, current) : powerShellCompletions(spec, before, current);
}

/** Cmdlet names and aliases (and `more` words) that begin with `typed`, case aside, sorted as Get-Command sorts names. */
function cmdletNames(cmdlets: CmdletSpec[], typed: string, more: string[] = []): string[] {
  return [...cmdlets.flatMap(commandNames), ...more].filter((n) => startsWith(n, typed)).sort(compareIgnoringCase);
}

async function powerShellCompletions(spec: CmdletSpec, before: string[], current: string): Promise<string[]> {
  const params = [...cmdletParams(spec), ...COMMON_PARAMS];
  const named = (t: string) => resolved(params, t.replace(/^--?/, ''));
  const previous = before.at(-1);
  if (previous !== undefined && isParamToken(previous) && !/[=:]/.test(previous)) {
    const p = named(previous);
    if (p && p.type !== 'switch') return valuesOf(spec, p, current);
  }
  if (current.startsWith('-')) {
    const posix = current.startsWith('--');
    const typed = paramKey(current);
    // As PowerShell offers them: a parameter already given is not offered again, unless it takes a list.
    const given = new Set(before.filter(isParamToken).map(named).filter((p) => p && p.type !== 'string[]'));
    return params
      .filter((p) => !given.has(p) && paramKey(p.name).startsWith(typed))
      .map((p) => (posix ? `--${dockerFlag(p)}` : `-${p.name}`));
  }
  const positional = spec.params.find((p) => p.positional);
  return positional ? valuesOf(spec, positional, current) : [];
}

/** Docker's verbs take `--long-flag` names; their positional words may have a fixed set (completion's SHELL). */
async function dockerCompletions(spec: CmdletSpec, before: string[], current: string): Promise<string[]> {
  const flags = spec.params.filter((p) => !p.positional);
  const previous = before.at(-1);
  if (previous?.startsWith('--') && !previous.includes('=')) {
    const p = flags.find((f) => dockerFlag(f) === previous.slice(2));
    if (p && p.type !== 'switch') return valuesOf(spec, p, current);
  }
  if (current.startsWith('-')) {
    return [...flags.map((p) => `--${dockerFlag(p)}`), '--help'].filter((f) => f.startsWith(`--${current.replace(/^--?/, '')}`));
  }
  const positional = spec.params.find((p) => p.positional);
  return positional ? valuesOf(spec, positional, current) : [];
}

/**
 * The values of a parameter: its choices, the output formats the cmdlet renders, or the installed
 * images' names (read from the store only then, and loaded only then: every other TAB reads the specs alone).
 */
async function valuesOf(spec: CmdletSpec, p: ParamSpec, typed: string): Promise<string[]> {
  let values: readonly string[] = p.choices ?? [];
  if (p.name === 'OutputFormat' && COMMON_PARAMS.includes(p)) values = spec.outputFormats ?? DEFAULT_OUTPUT_FORMATS;
  else if (p.completesImageNames) values = (await import('../ops/image-names.js')).installedImageNames();
  return values.filter((v) => startsWith(v, typed));
}

/** The parameter a token names, or undefined when it names none or several (no error: this is a TAB). */
function resolved(params: ParamSpec[], written: string): ParamSpec | undefined {
  try {
    return resolveParam(params, written);
  } catch {
    return undefined;
  }
}
