import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-ContainerImageSource',
  synopsis: 'Lists the registered image sources.',
  params: [{ name: 'Name', type: 'string[]', positional: true, description: 'Source names; wildcards allowed.' }],
  examples: [
    { command: 'ctrimg Get-ContainerImageSource', description: 'All sources, in the order they are searched.' },
    { command: "ctrimg Get-ContainerImageSource -Name 'mcr*' -OutputFormat Json", description: 'The sources whose names start with mcr, with their mirrors as arrays.' },
  ],
  run: (...a) => import('./run/Get-ContainerImageSource.js').then((m) => m.run(...a)),
};
