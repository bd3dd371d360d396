import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints } from './hints.js';
import { importerParam } from './params.js';

const NAME = 'Name';
/** Without -Name, container objects are read from stdin. */
export const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'Remove-Container',
  synopsis: 'Removes containers and their file systems.',
  confirmImpact: 'High',
  params: [
    { name: 'Name', type: 'string[]', required: true, positional: true, sets: [NAME], description: 'Container names; wildcards. Without it, objects are read as JSON from stdin.' },
    { name: 'Force', type: 'switch', description: 'Do not ask for confirmation. Needed, or -Confirm:$false, when there is no terminal to ask on, piped input included.' },
    importerParam,
  ],
  parameterSets: { names: [NAME, PIPELINE], default: NAME },
  hints: databaseHints,
  examples: [
    { command: 'ctrimg Remove-Container -Name web1', description: "Removes the container 'web1', after asking on the terminal." },
    { command: "ctrimg Remove-Container -Name 'build*' -WhatIf", description: 'Shows which containers whose names start with build would be removed; removes none.' },
    { command: "ctrimg Get-Container -Name 'build*' --json | ctrimg Remove-Container -Force", description: 'The containers piped in as JSON, without asking.' },
  ],
  run: (...a) => import('./run/Remove-Container.js').then((m) => m.run(...a)),
};
