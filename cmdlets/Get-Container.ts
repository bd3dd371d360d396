import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-Container',
  synopsis: 'Lists containers with their state and image.',
  params: [{ name: 'Name', type: 'string[]', positional: true, description: 'Container names; wildcards.' }],
  examples: [{ command: 'ctrimg Get-Container -OutputFormat Json', description: 'Containers with Id, Path and Image.' }],
  run: (...a) => import('./run/Get-Container.js').then((m) => m.run(...a)),
};
