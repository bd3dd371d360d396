import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints, installedHints } from './hints.js';
import { importerParam } from './params.js';

const NAME = 'Name';
/** Without -Name, image objects are read from stdin, as PowerShell binds -InputObject from the pipeline. */
export const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'Remove-ContainerImage',
  synopsis: 'Removes installed images one by one, children first, refusing those a container or a child image depends on.',
  confirmImpact: 'High',
  params: [
    { name: 'Name', type: 'string[]', required: true, positional: true, sets: [NAME], completesImageNames: true, description: 'Image names; wildcards. Without it, image objects are read as JSON from stdin.' },
    { name: 'Publisher', type: 'string', sets: [NAME], description: 'Only images of this publisher.' },
    { name: 'Version', type: 'string', sets: [NAME], description: 'Only this version.' },
    {
      name: 'Force',
      type: 'switch',
      description: 'Do not ask for confirmation (dependencies are still enforced). Needed, or -Confirm:$false, when there is no terminal to ask on, piped input included.',
    },
    importerParam,
  ],
  parameterSets: { names: [NAME, PIPELINE], default: NAME },
  hints: { ...installedHints, ...databaseHints },
  examples: [
    { command: 'ctrimg Remove-ContainerImage -Name WebApp -Version 1.2.0', description: 'One version of one image.' },
    { command: 'ctrimg Get-ContainerImage -Name x -OutputFormat Json | ctrimg Remove-ContainerImage -Force', description: 'Images piped in as JSON (piped input leaves no terminal to ask on: -Force or -Confirm:$false).' },
    { command: 'ctrimg Remove-ContainerImage -Name WebApp,Api -WhatIf', description: 'What would be removed, and the refusals a removal would meet; nothing changes.' },
    { command: 'ctrimg Remove-ContainerImage -Name WebApp,Api -Force -ErrorAction Stop', description: 'Stop at the first image refused; the ones after it are not attempted.' },
  ],
  run: (...a) => import('./run/Remove-ContainerImage.js').then((m) => m.run(...a)),
};
