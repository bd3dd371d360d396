/**
 * Parameter parsing: resolve.ts resolves the tokens into values per parameter and the parameter
 * set, which yargs then parses strictly as canonical `--Name=value` tokens (typing booleans and
 * numbers, collecting repeated values into arrays).
 */
import yargs from 'yargs';
import { usage } from '../errors.js';
import type { Args, ParameterSets, ParamSpec } from './types.js';
import type { OutputFormat } from '../format/output-format.js';
import { resolveParameters, type Parsed, type Resolved } from './resolve.js';

export { resolveParameterSet, type CommonArgs, type Parsed } from './resolve.js';

/** Parses a cmdlet's tokens (everything after the cmdlet name). Throws a usage CtrimgError. */
export function parseParameters(cmdletParams: ParamSpec[], tokens: string[], sets?: ParameterSets): Parsed {
  return typeParameters(resolveParameters(cmdletParams, tokens, sets));
}

/** The resolved values typed by yargs. */
export function typeParameters({ cmdletParams, params, values, parameterSet }: Resolved): Parsed {
  const parsed = toYargs(params, values).parseSync();
  const args: Args = {};
  for (const p of cmdletParams) args[p.name] = parsed[p.name] as Args[string];
  return {
    args,
    parameterSet,
    common: {
      outputFormat: parsed.Json === true ? 'Json' : ((parsed.OutputFormat as OutputFormat | undefined) ?? 'Table'),
      debug: parsed.Debug === true,
      quiet: parsed.Quiet === true,
      verbose: parsed.Verbose === true,
      help: parsed.Help === true,
    },
  };
}

const YARGS_TYPE = { string: 'string', 'string[]': 'string', switch: 'boolean', number: 'number' } as const;

/** A strict yargs parser over the canonical `--Name=value` tokens; failures become usage errors. */
function toYargs(params: ParamSpec[], values: Map<ParamSpec, string[]>) {
  const canonical = [...values].flatMap(([p, vs]) => vs.map((v) => `--${p.name}=${v}`));
  let y = yargs(canonical)
    .parserConfiguration({
      'camel-case-expansion': false,
      'dot-notation': false,
      'short-option-groups': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'boolean-negation': false,
    })
    .strict()
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw usage((msg ?? err?.message ?? 'invalid arguments').replace(/\s*\n\s*/g, ' '));
    });
  for (const p of params) {
    y = y.option(p.name, { type: YARGS_TYPE[p.type], array: p.type === 'string[]' });
  }
  return y;
}
