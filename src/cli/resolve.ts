/**
 * Resolving parameters, before any typing. Tokens are normalized against the cmdlet's ParamSpecs
 * — PowerShell `-Name x`, `-Name:x`, `-Force:$false`, POSIX `--name x`, `--name=x`,
 * `--required-version`, case-insensitive unambiguous prefixes, aliases, comma lists, bare words
 * for the positional parameter, number, range and choice checks, the parameter set and its
 * required parameters — into values per parameter, which parse.ts has yargs-parser type.
 */
import { usage } from '../errors.js';
import type { Args, ConfirmImpact, ErrorAction, ParameterSets, ParamSpec } from './types.js';
import type { OutputFormat } from '../format/output-format.js';
import { COMMON_PARAMS, isParamToken, resolveParam, riskParams } from './names.js';
import { closest } from '../suggest.js';

export interface CommonArgs {
  outputFormat: OutputFormat;
  debug: boolean;
  quiet: boolean;
  verbose: boolean;
  help: boolean;
  errorAction: ErrorAction;
  whatIf: boolean;
  /** -Confirm given (true) or -Confirm:$false (false); undefined when absent. */
  confirm?: boolean;
}

export interface Parsed {
  /** The cmdlet's own parameters, keyed by PascalCase name. */
  args: Args;
  common: CommonArgs;
  /** The parameter set the parameters given resolved to; undefined when the cmdlet declares none. */
  parameterSet?: string;
}

function switchValue(p: ParamSpec, raw: string): boolean {
  if (/^\$?(true|1)$/i.test(raw)) return true;
  if (/^\$?(false|0)$/i.test(raw)) return false;
  throw usage(`invalid value '${raw}' for switch -${p.name}; use -${p.name} or -${p.name}:$false`);
}

function checkValue(p: ParamSpec, raw: string): string {
  if (p.type === 'number' && (raw.trim() === '' || !Number.isFinite(Number(raw)))) {
    throw usage(`cannot convert '${raw}' to a number for -${p.name}`);
  }
  if (p.range) {
    const [min, max] = p.range;
    const n = Number(raw);
    if (!(Number.isInteger(n) && n >= min && n <= max)) throw usage(`-${p.name} must be a whole number from ${min} to ${max}, not ${raw}`);
  }
  if (p.choices) {
    const choice = p.choices.find((c) => c.toLowerCase() === raw.toLowerCase());
    if (choice === undefined) {
      const near = closest(raw, p.choices);
      throw usage(`invalid value '${raw}' for -${p.name}; valid values are ${p.choices.join(', ')}${near ? ` (did you mean '${near}'?)` : ''}`);
    }
    return choice;
  }
  return raw;
}

const inSet = (p: ParamSpec, set: string | undefined) => set === undefined || p.sets === undefined || p.sets.includes(set);
const dashed = (ps: ParamSpec[]) => ps.map((p) => `-${p.name}`);

function missingRequired(params: ParamSpec[], given: ParamSpec[], set: string | undefined): ParamSpec[] {
  return params.filter((p) => p.required && inSet(p, set) && !given.includes(p));
}

function missingError(missing: ParamSpec[]) {
  return usage(`missing required parameter${missing.length > 1 ? 's' : ''} ${dashed(missing).join(', ')}`);
}

/**
 * The parameter set the given parameters select, as PowerShell resolves it: the sets every given
 * parameter belongs to; of those, the one whose required parameters are all given; of several
 * such, the default. Throws a usage error naming the parameters that no set allows together, or
 * the required parameters each possible set still lacks.
 */
export function resolveParameterSet(params: ParamSpec[], sets: ParameterSets, given: ParamSpec[]): string {
  const fits = sets.names.filter((set) => given.every((p) => inSet(p, set)));
  if (fits.length === 0) throw conflictError(given);
  const complete = fits.filter((set) => missingRequired(params, given, set).length === 0);
  if (complete.length === 1) return complete[0]!;
  if (complete.length > 1) {
    if (complete.includes(sets.default)) return sets.default;
    throw usage(`the parameters given fit several parameter sets (${complete.join(', ')})`, { code: 'PARAMETER_SET_CONFLICT' });
  }
  // No set is complete: say what each could still take, dropping any that asks for more than another.
  const lacking = fits.map((set) => missingRequired(params, given, set));
  const distinct = [...new Map(lacking.map((m) => [dashed(m).join(' and '), m])).values()];
  const options = distinct.filter((m) => !distinct.some((o) => o.length < m.length && o.every((p) => m.includes(p))));
  if (options.length === 1) throw missingError(options[0]!);
  throw usage(`missing required parameters: give ${options.map((m) => dashed(m).join(' and ')).join(' or ')}`);
}

/** Names the first two given parameters that share no set, else all those that belong to some sets only. */
function conflictError(given: ParamSpec[]) {
  const restricted = given.filter((p) => p.sets !== undefined);
  let named = restricted;
  for (const [i, a] of restricted.entries()) {
    const b = restricted.slice(i + 1).find((q) => !q.sets!.some((s) => a.sets!.includes(s)));
    if (b) {
      named = [a, b];
      break;
    }
  }
  const [first, ...rest] = dashed(named);
  return usage(`${first} cannot be combined with ${rest.join(', ')}`, {
    code: 'PARAMETER_SET_CONFLICT',
    hint: 'the parameter set cannot be resolved from the parameters given; -? shows the syntax of each set',
    // For the cmdlet's own hint (CmdletSpec.hints), which may know why these two do not go together.
    details: { parameters: named.map((p) => p.name).join(',') },
  });
}

/** The values given, per parameter, and the parameter set they resolved to. */
export interface Resolved {
  cmdletParams: ParamSpec[];
  /** The cmdlet's parameters and the common ones. */
  params: ParamSpec[];
  values: Map<ParamSpec, string[]>;
  parameterSet?: string;
}

/**
 * Parses a cmdlet's tokens (everything after the cmdlet name). Throws a usage CtrimgError.
 * `impact`: the cmdlet changes state, so it takes -WhatIf and -Confirm too.
 */
export function resolveParameters(cmdletParams: ParamSpec[], tokens: string[], sets?: ParameterSets, impact?: ConfirmImpact): Resolved {
  const params = [...cmdletParams, ...(impact ? riskParams(impact) : []), ...COMMON_PARAMS];
  const values = new Map<ParamSpec, string[]>();
  const positional = cmdletParams.find((p) => p.positional);

  const add = (p: ParamSpec, raw: string) => {
    const list = values.get(p) ?? [];
    if (p.type === 'string[]') {
      list.push(...raw.split(',').filter((v) => v !== '').map((v) => checkValue(p, v)));
    } else if (p.type === 'switch') {
      list.splice(0, list.length, String(switchValue(p, raw)));
    } else {
      if (list.length > 0) throw usage(`parameter -${p.name} was given more than once`);
      list.push(checkValue(p, raw));
    }
    values.set(p, list);
  };

  let onlyBareWords = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!onlyBareWords && token === '--') {
      onlyBareWords = true;
    } else if (!onlyBareWords && isParamToken(token)) {
      const [, written, attached] = /^--?([^=:]+)(?:[=:](.*))?$/s.exec(token) ?? [];
      const p = resolveParam(params, written);
      if (attached !== undefined) {
        add(p, attached);
      } else if (p.type === 'switch') {
        add(p, 'true');
      } else {
        const next = tokens[i + 1];
        if (next === undefined || isParamToken(next)) throw usage(`missing value for parameter -${p.name}`);
        add(p, next);
        i++;
      }
    } else {
      if (!positional || (positional.type !== 'string[]' && values.has(positional))) {
        throw usage(`unexpected argument '${token}'; no parameter takes it by position`);
      }
      add(positional, token);
    }
  }

  const given = [...values.keys()].filter((p) => cmdletParams.includes(p) && values.get(p)!.length > 0);
  const parameterSet = sets ? resolveParameterSet(cmdletParams, sets, given) : undefined;
  const missing = missingRequired(cmdletParams, given, parameterSet);
  if (missing.length > 0) throw missingError(missing);

  return { cmdletParams, params, values, parameterSet };
}
