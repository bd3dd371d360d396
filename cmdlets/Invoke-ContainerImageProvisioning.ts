import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints, sourceHints } from './hints.js';
import { importerParam } from './params.js';

export const cmdlet: CmdletSpec = {
  name: 'Invoke-ContainerImageProvisioning',
  confirmImpact: 'Medium',
  synopsis:
    'Makes the installed images what a YAML or JSON file lists: installs the missing ones, keeps those installed, and with -Prune removes the others that nothing depends on.',
  params: [
    {
      name: 'Path',
      type: 'string',
      required: true,
      positional: true,
      description:
        "A YAML or JSON file: `images:` a list of entries, each `name` (with optional `version`: an exact version, '>=X', '<=X' or '>=X <=Y'; optional `source`) or `reference` (host/repo:tag or @digest, optional `insecure`), and optional `platform`. A .json file must be strict JSON. An entry an installed image satisfies is kept (every installed image that satisfies it stays) even when a newer version is offered, so a second run changes nothing.",
    },
    {
      name: 'Prune',
      type: 'switch',
      description:
        'Also remove the installed images the file does not list (however they were installed), except the parents of those it does, and the images of the name (or repository) of an entry whose install failed or was not attempted; those a container or a child image uses are refused and reported, never forced. An empty list with -Prune is refused: use Remove-ContainerImage to remove every image.',
    },
    {
      name: 'Force',
      type: 'switch',
      description: 'With -Prune, remove without asking (needed when stdin or stderr is not a terminal). Installs are asked about only with -Confirm.',
    },
    importerParam,
  ],
  hints: {
    ...sourceHints,
    ...databaseHints,
    IMAGE_NOT_FOUND: 'Find-ContainerImage lists what the sources offer',
    IMAGE_IN_USE: 'remove the dependent containers and child images first, or list the images in the file',
    PROVISION_EMPTY: 'list the images to keep; to remove images, use Remove-ContainerImage',
  },
  examples: [
    { command: 'ctrimg Invoke-ContainerImageProvisioning -Path images.yaml', description: 'Install what the file lists and is missing; exit 0 and "Nothing to change" when all is there.' },
    { command: 'ctrimg Invoke-ContainerImageProvisioning images.json -Prune -WhatIf -OutputFormat Json', description: 'The plan with removals, as one JSON document; Changed tells drift.' },
    { command: 'ctrimg Invoke-ContainerImageProvisioning images.json -Prune -Force', description: 'Converge a host from a script: unlisted images removed, those in use reported (exit 4).' },
  ],
  run: (...a) => import('./run/Invoke-ContainerImageProvisioning.js').then((m) => m.run(...a)),
};
