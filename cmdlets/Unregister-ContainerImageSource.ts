import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Unregister-ContainerImageSource',
  synopsis: 'Forgets a registered image source; installed images stay installed.',
  confirmImpact: 'High',
  params: [
    { name: 'Name', type: 'string', required: true, positional: true, description: 'Name of the source.' },
    { name: 'Force', type: 'switch', description: 'Do not ask for confirmation (needed, or -Confirm:$false, with no terminal to ask on).' },
  ],
  hints: { SOURCE_NOT_FOUND: 'Get-ContainerImageSource lists them' },
  examples: [
    { command: 'ctrimg Unregister-ContainerImageSource -Name local', description: "Removes the source 'local', after asking on the terminal." },
    { command: 'ctrimg Unregister-ContainerImageSource mcr -Force', description: "Removes the source 'mcr', named by position, without asking." },
  ],
  run: (...a) => import('./run/Unregister-ContainerImageSource.js').then((m) => m.run(...a)),
};
