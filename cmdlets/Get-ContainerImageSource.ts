import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-ContainerImageSource',
  synopsis: 'Lists the registered image sources.',
  params: [{ name: 'Name', type: 'string[]', positional: true, description: 'Source names; wildcards allowed.' }],
  examples: [{ command: 'ctrimg Get-ContainerImageSource', description: 'All sources, in the order they are searched.' }],
  run: (...a) => import('./run/Get-ContainerImageSource.js').then((m) => m.run(...a)),
};
