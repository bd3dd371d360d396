/**
 * Parameter parsing: resolve.ts resolves the tokens into values per parameter and the parameter
 * set, which yargs' parser (yargs-parser, the engine the yargs package calls) then types from
 * canonical `--Name=value` tokens: booleans and numbers, repeated values collected into arrays.
 * The yargs package itself is not loaded: its front end (commands, help, wrapping) is unused
 * here, and its module start-up alone (cliui's Unicode segmenters) cost every command with a
 * value about 40 ms, a third of Node's own start.
 */
import yargsParser from 'yargs-parser';
import type { Args, ConfirmImpact, ErrorAction, ParameterSets, ParamSpec } from './types.js';
import type { OutputFormat } from '../format/output-format.js';
import { resolveParameters, type Parsed, type Resolved } from './resolve.js';

export { resolveParameterSet, type CommonArgs, type Parsed } from './resolve.js';

/**
 * Parses a cmdlet's tokens (everything after the cmdlet name). Throws a usage CtrimgError.
 * `impact`: the cmdlet's ConfirmImpact, when it changes state (it then takes -WhatIf and -Confirm).
 */
export function parseParameters(cmdletParams: ParamSpec[], tokens: string[], sets?: ParameterSets, impact?: ConfirmImpact): Parsed {
  return typeParameters(resolveParameters(cmdletParams, tokens, sets, impact));
}

/** yargs-parser's options that type each parameter by its ParamSpec, shared with docker-parse.ts. */
export function typing(params: ParamSpec[]) {
  const byType = (...types: ParamSpec['type'][]) => params.filter((p) => types.includes(p.type)).map((p) => p.name);
  return { string: byType('string', 'string[]'), boolean: byType('switch'), number: byType('number'), array: byType('string[]') };
}

/** Values are taken as written: no camelCase copies, no dotted objects, no numbers guessed, no `--no-` negation. */
export const AS_WRITTEN = {
  'camel-case-expansion': false,
  'dot-notation': false,
  'short-option-groups': false,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'boolean-negation': false,
} as const;

/** The resolved values typed by yargs-parser. */
function typeParameters({ cmdletParams, params, values, parameterSet }: Resolved): Parsed {
  const canonical = [...values].flatMap(([p, vs]) => vs.map((v) => `--${p.name}=${v}`));
  // Every token is a parameter resolve.ts resolved, so none is unknown (yargs' strict mode is not
  // needed), and the features yargs-parser reports errors for (config files, nargs) are unused.
  const parsed = yargsParser(canonical, { ...typing(params), configuration: AS_WRITTEN });
  const args: Args = {};
  for (const p of cmdletParams) args[p.name] = parsed[p.name] as Args[string];
  // -WhatIf and -Confirm as the CLI added them (resolveParameters), not a cmdlet's own of that name.
  const risk = (name: string) => [...values.keys()].some((p) => p.name === name && !cmdletParams.includes(p));
  return {
    args,
    parameterSet,
    common: {
      outputFormat: parsed.Json === true ? 'Json' : ((parsed.OutputFormat as OutputFormat | undefined) ?? 'Table'),
      debug: parsed.Debug === true,
      quiet: parsed.Quiet === true,
      verbose: parsed.Verbose === true,
      help: parsed.Help === true,
      errorAction: (parsed.ErrorAction as ErrorAction | undefined) ?? 'Continue',
      whatIf: risk('WhatIf') && parsed.WhatIf === true,
      confirm: risk('Confirm') ? parsed.Confirm === true : undefined,
    },
  };
}
