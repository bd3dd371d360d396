/**
 * The commands `ctrimg Get-Command` lists, from the cmdlet specs: each cmdlet, each alias of one,
 * each docker-style verb (a Function: a command of the module that no cmdlet stands behind, so not
 * an Alias, which PowerShell always gives a definition); filtered by -Name, -Verb and -Noun (PowerShell wildcards, any of
 * several) and sorted as Get-Command sorts: by CommandType (Alias before Cmdlet, the order of
 * PowerShell's CommandTypes enumeration: Alias, Function, Cmdlet), then by Name ignoring case.
 */
import { notFound } from '../errors.js';
import type { CommandInfo } from '../format/commands.js';
import { isWildcard, matchesAny } from '../ops/wildcard.js';
import type { CmdletSpec } from './types.js';
import { VERSION } from './version.js';

export const SOURCE = 'ctrimg';

export interface CommandFilter {
  name?: string[];
  verb?: string[];
  noun?: string[];
}

const TYPE_ORDER: CommandInfo['CommandType'][] = ['Alias', 'Function', 'Cmdlet'];

/** `Get-ContainerImage` is verb Get, noun ContainerImage; a name with no dash has neither. */
function verbNoun(name: string): [string, string] | undefined {
  const at = name.indexOf('-');
  return at > 0 ? [name.slice(0, at), name.slice(at + 1)] : undefined;
}

export function listCommands(cmdlets: CmdletSpec[], filter: CommandFilter = {}): CommandInfo[] {
  const info = (CommandType: CommandInfo['CommandType'], Name: string, Definition: string | null): CommandInfo => ({
    CommandType, Name, Definition, Version: VERSION, Source: SOURCE,
  });
  const all = cmdlets.flatMap((c) => [
    info(c.syntax === 'docker' ? 'Function' : 'Cmdlet', c.name, null),
    ...(c.aliases ?? []).map((a) => info('Alias', a, c.name)),
  ]);
  // As Get-Command: a name without wildcards that names no command is an error; a pattern that matches none is not.
  const missing = filter.name?.find((n) => !isWildcard(n) && !all.some((c) => matchesAny(c.Name, [n])));
  if (missing !== undefined) throw notFound(`no command named '${missing}'`, { hint: "ctrimg help lists the commands" });
  const byVerbNoun = filter.verb?.length || filter.noun?.length;
  return all
    .filter((c) => matchesAny(c.Name, filter.name))
    .filter((c) => {
      if (!byVerbNoun) return true;
      // As Get-Command -Verb/-Noun: only Verb-Noun names, an alias's own name split the same way.
      const parts = verbNoun(c.Name);
      return parts !== undefined && matchesAny(parts[0], filter.verb) && matchesAny(parts[1], filter.noun);
    })
    .sort((a, b) => TYPE_ORDER.indexOf(a.CommandType) - TYPE_ORDER.indexOf(b.CommandType) || compareIgnoringCase(a.Name, b.Name));
}

/** Ordinal, case aside, as .NET's StringComparison.OrdinalIgnoreCase (which compares upper-cased). */
export function compareIgnoringCase(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
