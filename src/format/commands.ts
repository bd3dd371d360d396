/** `ctrimg Get-Command` (and `ctrimg help`): the commands as PowerShell's Get-Command lists them. */
import type { OutputFormat } from './output-format.js';
import { renderJson } from './json.js';
import { renderTable } from './table.js';

/**
 * A command as Get-Command shows it. `Cmdlet`: a PowerShell-style Verb-Noun cmdlet; `Alias`: another
 * name of one (`Definition` names it) or a docker-style verb, which stands for one in docker's words.
 */
export interface CommandInfo {
  CommandType: 'Alias' | 'Function' | 'Cmdlet';
  Name: string;
  /** The cmdlet an alias names; null for a cmdlet and for a docker-style verb. */
  Definition: string | null;
  Version: string;
  Source: string;
}

/** As PowerShell's table shows an alias: `name -> Definition`. */
const displayName = (c: CommandInfo) => (c.Definition ? `${c.Name} -> ${c.Definition}` : c.Name);

export function renderCommands(commands: CommandInfo[], format: OutputFormat): string {
  if (format === 'Json') return renderJson(commands);
  return renderTable(
    [{ header: 'CommandType' }, { header: 'Name' }, { header: 'Version' }, { header: 'Source' }],
    commands.map((c) => [c.CommandType, displayName(c), c.Version, c.Source]),
  );
}
