import type { CmdletSpec } from '../src/cli/types.js';
import { conflicting, sourceHints } from './hints.js';
import { EXACT, RANGE, versionParams } from './params.js';

export const cmdlet: CmdletSpec = {
  name: 'Find-ContainerImage',
  synopsis: 'Finds images and versions the registered sources offer (newest version per name unless -AllVersions).',
  params: [
    { name: 'Name', type: 'string[]', positional: true, description: 'Image names; case-insensitive wildcards (Nano*).' },
    ...versionParams,
    { name: 'AllVersions', type: 'switch', sets: [RANGE], description: 'Every matching version, not just the newest.' },
    { name: 'Source', type: 'string', description: 'Search only this source.' },
  ],
  parameterSets: { names: [RANGE, EXACT], default: RANGE },
  hints: {
    ...sourceHints,
    IMAGE_NOT_FOUND: 'Find-ContainerImage -Name * lists everything',
    PARAMETER_SET_CONFLICT: (err) => (conflicting(err, 'AllVersions') ? 'bound -AllVersions with -MinimumVersion and -MaximumVersion' : undefined),
  },
  examples: [
    { command: 'ctrimg Find-ContainerImage -Name Nano*', description: 'Newest version of every image whose name starts with Nano.' },
    { command: 'ctrimg Find-ContainerImage -Name NanoServer -AllVersions -MinimumVersion 10.0.17763', description: 'Every NanoServer version from 10.0.17763.0 on.' },
  ],
  run: (...a) => import('./run/Find-ContainerImage.js').then((m) => m.run(...a)),
};
