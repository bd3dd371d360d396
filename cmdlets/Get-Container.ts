import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-Container',
  synopsis: 'Lists containers with their state and image.',
  params: [{ name: 'Name', type: 'string[]', positional: true, description: 'Container names; wildcards.' }],
  examples: [
    { command: 'ctrimg Get-Container', description: 'Every container, with its state and image.' },
    { command: "ctrimg Get-Container -Name 'web*' -OutputFormat Json", description: 'The containers whose names start with web, with Id, Path and Image.' },
  ],
  run: (...a) => import('./run/Get-Container.js').then((m) => m.run(...a)),
};
