/**
 * Parsing for the docker-style verbs (`images`, `history`, `rmi`, ...), which take their flags
 * as docker's CLI (spf13/pflag) does rather than PowerShell's way: `--no-trunc`, `--filter k=v`
 * repeated, one-letter flags combined (`-aq`), `-H=false`, bare words as arguments and
 * everything after `--` too. yargs-parser types them; what it would take silently (an unknown
 * flag, a flag without its value) is refused first, with pflag's wording.
 */
import yargsParser from 'yargs-parser';
import { usage } from '../errors.js';
import type { Args, ParamSpec } from './types.js';
import type { Parsed } from './resolve.js';
import { dockerFlag } from './names.js';
import { AS_WRITTEN, typing } from './parse.js';

const takesValue = (p: ParamSpec) => p.type !== 'switch';

/**
 * Checks every flag token names a flag and every flag that takes a value has one, and splits
 * groups of one-letter flags as pflag reads them: `-aq` is `-a -q`, `-fdangling=true` is
 * `-f dangling=true`, `-H=false` stays.
 */
function normalize(params: ParamSpec[], tokens: string[]): string[] {
  const long = new Map(params.map((p) => [dockerFlag(p), p]));
  const short = new Map(params.filter((p) => p.short).map((p) => [p.short!, p]));
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') return [...out, ...tokens.slice(i)];
    if (t.startsWith('--')) {
      const [name, attached] = t.slice(2).split(/=(.*)/s);
      const p = long.get(name!);
      if (!p) throw usage(`unknown flag: --${name}`);
      // A value joined to its flag: yargs-parser would take a next token starting with '-' for a flag.
      if (takesValue(p) && attached === undefined) {
        if (tokens[i + 1] === undefined) throw usage(`flag needs an argument: --${name}`);
        out.push(`--${name}=${tokens[++i]!}`);
      } else {
        out.push(t);
      }
    } else if (t.startsWith('-') && t.length > 1) {
      for (let j = 1; j < t.length; j++) {
        const c = t[j]!;
        const p = short.get(c);
        if (!p) throw usage(`unknown shorthand flag: '${c}' in ${t}`);
        if (t[j + 1] === '=') {
          out.push(`-${c}${t.slice(j + 1)}`);
          break;
        }
        if (!takesValue(p)) {
          out.push(`-${c}`);
          continue;
        }
        if (j < t.length - 1) out.push(`-${c}=${t.slice(j + 1)}`);
        else if (tokens[i + 1] === undefined) throw usage(`flag needs an argument: '${c}' in ${t}`);
        else out.push(`-${c}=${tokens[++i]!}`);
        break;
      }
    } else {
      out.push(t);
    }
  }
  return out;
}

/** An argument of a fixed set (cobra's ValidArgs), in the set's spelling. */
function choiceOf(choices: string[], word: string): string {
  const choice = choices.find((c) => c.toLowerCase() === word.toLowerCase());
  if (choice === undefined) throw usage(`invalid argument "${word}"; valid arguments are ${choices.join(', ')}`);
  return choice;
}

/**
 * Parses a docker-style verb's tokens. The positional parameter (a 'string[]') takes the bare
 * words; a flag given twice keeps its last value unless it is a list ('string[]').
 */
export function parseDockerParameters(params: ParamSpec[], tokens: string[]): Parsed {
  const normalized = normalize(params, tokens);
  const flags = params.filter((p) => !p.positional);
  const parsed = yargsParser(normalized, {
    ...typing(flags),
    alias: Object.fromEntries(flags.map((p) => [p.name, [dockerFlag(p), ...(p.short ? [p.short] : [])]])),
    // One-letter groups are split by normalize(); a list takes one value per flag, as pflag's.
    configuration: { ...AS_WRITTEN, 'greedy-arrays': false, 'strip-aliased': true, 'populate--': true },
  });
  const args: Args = {};
  for (const p of flags) {
    const v = parsed[p.name] as Args[string] | Array<string | number | boolean>;
    args[p.name] = Array.isArray(v) && p.type !== 'string[]' ? (v.at(-1) as Args[string]) : (v as Args[string]);
  }
  const words = [...(parsed._ as Array<string | number>), ...((parsed['--'] as string[] | undefined) ?? [])].map(String);
  const positional = params.find((p) => p.positional);
  if (positional) args[positional.name] = positional.choices ? words.map((w) => choiceOf(positional.choices!, w)) : words;
  else if (words.length > 0) throw usage(`unexpected argument '${words[0]}'`);
  return { args, common: { outputFormat: 'Table', debug: false, quiet: false, verbose: false, help: false, errorAction: 'Continue', whatIf: false } };
}
