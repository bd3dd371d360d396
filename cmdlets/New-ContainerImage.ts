import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints } from './hints.js';
import { importerParam } from './params.js';

const NAME = 'ContainerName';
/** Without -ContainerName, the container object is read from stdin: one, as the one image -Name names is made of one. */
export const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'New-ContainerImage',
  synopsis: "Commits a container's changes (it must be Off) as a new image whose ParentImage is the container's image.",
  confirmImpact: 'Medium',
  params: [
    { name: 'ContainerName', type: 'string', required: true, sets: [NAME], description: 'The container to commit. Without it, a container object is read as JSON from stdin.' },
    { name: 'Name', type: 'string', required: true, positional: true, description: 'Name of the new image.' },
    { name: 'Publisher', type: 'string', description: 'Publisher of the new image (Demo or CN=Demo).' },
    { name: 'Version', type: 'string', description: 'Version of the new image (1.0 is shown 1.0.0.0).' },
    { name: 'Force', type: 'switch', description: 'Replace an installed image of the same name and version, if nothing depends on it.' },
    importerParam,
  ],
  parameterSets: { names: [NAME, PIPELINE], default: NAME },
  hints: {
    ...databaseHints,
    IMAGE_EXISTS: 'Give another -Name or -Version, or -Force to replace it',
  },
  examples: [
    { command: 'ctrimg New-ContainerImage -ContainerName c1 -Name DemoImage -Publisher Demo -Version 1.0', description: "Commits container 'c1' as DemoImage 1.0.0.0 by CN=Demo." },
    { command: 'ctrimg Get-Container -Name c1 --json | ctrimg New-ContainerImage -Name DemoImage -Version 1.1', description: 'The container piped in.' },
  ],
  run: (...a) => import('./run/New-ContainerImage.js').then((m) => m.run(...a)),
};
