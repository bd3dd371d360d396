/**
 * Parameter names: the common parameters every cmdlet takes, and resolving a name as written
 * (exact, alias, unambiguous prefix). Apart from parse.ts, so that help and the runner's error
 * path read them without loading parsing.
 */
import { usage } from '../errors.js';
import type { CmdletSpec, ConfirmImpact, ParamSpec } from './types.js';
import { closest } from '../suggest.js';

/** Parameters every cmdlet takes; handled by the CLI, never passed to run(). */
export const COMMON_PARAMS: ParamSpec[] = [
  {
    name: 'OutputFormat',
    type: 'string',
    choices: ['Table', 'Json', 'Dot'],
    description: 'Table (default) or Json: one JSON array of objects; Dot (Graphviz source) where a cmdlet draws a graph.',
  },
  { name: 'Json', type: 'switch', description: 'Same as -OutputFormat Json.' },
  { name: 'Debug', type: 'switch', description: 'Print debug messages, and the stack trace of an error.' },
  { name: 'Quiet', type: 'switch', description: 'Print no progress or informational messages.' },
  { name: 'Verbose', type: 'switch', description: 'Print informational messages, even with -Quiet, and a VERBOSE line before each change.' },
  {
    name: 'ErrorAction',
    type: 'string',
    aliases: ['EA'],
    choices: ['Continue', 'Stop', 'SilentlyContinue'],
    description:
      'When one of several objects fails: Continue (default) writes its error and goes on, Stop attempts nothing after it, SilentlyContinue goes on without writing it. Any failure makes the exit code non-zero.',
  },
  { name: 'Help', type: 'switch', aliases: ['?'], description: 'Show help for the cmdlet.' },
];

/**
 * PowerShell's risk-mitigation parameters, which the CLI adds to the cmdlets that change state
 * (CmdletSpec.confirmImpact); handled by the CLI, never passed to run(). A cmdlet that changes
 * nothing does not take them.
 */
export function riskParams(impact: ConfirmImpact): ParamSpec[] {
  const asks =
    impact === 'High'
      ? 'This cmdlet asks on a terminal even without -Confirm, unless -Force or -Confirm:$false is given. With no terminal to ask on (stdin or stderr redirected, input piped) it refuses instead, changing nothing.'
      : 'Without it, nothing is asked.';
  return [
    { name: 'WhatIf', type: 'switch', description: 'Show what would be done, per object, and change nothing.' },
    { name: 'Confirm', type: 'switch', description: `Ask before each change. ${asks}` },
  ];
}

/** A cmdlet's own parameters and, when it changes state, -WhatIf and -Confirm: what help shows and TAB offers before the common ones. */
export const cmdletParams = (spec: CmdletSpec): ParamSpec[] => [...spec.params, ...(spec.confirmImpact ? riskParams(spec.confirmImpact) : [])];

/** A docker-style verb's flag as written: `NoTrunc` is `--no-trunc`. */
export const dockerFlag = (p: ParamSpec) => p.name.replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase();

/** `--required-version`, `-RequiredVersion` and `-requiredversion` all compare equal. */
export const paramKey = (name: string) => name.toLowerCase().replace(/-/g, '');
/** `-x`, `--x`, `-?`; not `-5` (a negative number is a value), not `-` or `--`. */
export const isParamToken = (t: string) => /^--?[A-Za-z?]/.test(t);

/** The names a command is called by: its own and its aliases. */
export const commandNames = (c: CmdletSpec) => [c.name, ...(c.aliases ?? [])];
/** The command `written` names, case aside; undefined when none. */
export const commandNamed = (cmdlets: CmdletSpec[], written: string) => cmdlets.find((c) => commandNames(c).some((n) => n.toLowerCase() === written.toLowerCase()));

const namesOf = (p: ParamSpec) => [p.name, ...(p.aliases ?? [])];

/** A token that names a parameter: exact name or alias first, then an unambiguous prefix. */
export function resolveParam(params: ParamSpec[], written: string): ParamSpec {
  const k = paramKey(written);
  const exact = params.find((p) => namesOf(p).some((n) => paramKey(n) === k));
  if (exact) return exact;
  const matches = params.filter((p) => namesOf(p).some((n) => paramKey(n).startsWith(k)));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw usage(`parameter '-${written}' is ambiguous; it could be ${matches.map((p) => `-${p.name}`).join(', ')}`);
  }
  // '?' is a spelling of -Help, never a useful suggestion for a mistyped name.
  const near = closest(written, params.flatMap(namesOf).filter((n) => n !== '?'));
  throw usage(`unknown parameter '-${written}'${near ? `; did you mean '-${near}'?` : ''}`);
}
