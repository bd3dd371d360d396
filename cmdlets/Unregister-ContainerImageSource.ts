import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Unregister-ContainerImageSource',
  synopsis: 'Forgets a registered image source; installed images stay installed.',
  params: [{ name: 'Name', type: 'string', required: true, positional: true, description: 'Name of the source.' }],
  hints: { SOURCE_NOT_FOUND: 'Get-ContainerImageSource lists them' },
  examples: [
    { command: 'ctrimg Unregister-ContainerImageSource -Name local', description: "Removes the source 'local'." },
    { command: 'ctrimg Unregister-ContainerImageSource mcr', description: "Removes the source 'mcr', named by position." },
  ],
  run: (...a) => import('./run/Unregister-ContainerImageSource.js').then((m) => m.run(...a)),
};
