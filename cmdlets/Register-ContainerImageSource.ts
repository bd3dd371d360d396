import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Register-ContainerImageSource',
  synopsis: 'Registers a named registry that Find- and Install-ContainerImage search.',
  confirmImpact: 'Medium',
  params: [
    { name: 'Name', type: 'string', required: true, positional: true, description: 'Name of the source.' },
    { name: 'Location', type: 'string', required: true, description: 'Root URL of the registry, https://host[:port] (http only with -Insecure).' },
    { name: 'Namespace', type: 'string', description: 'Repository prefix the source is limited to, e.g. windows.' },
    { name: 'Publisher', type: 'string', description: 'Publisher shown for images without an org.opencontainers.image.vendor annotation.' },
    { name: 'Insecure', type: 'switch', description: 'Allow plain http for this source (and its mirrors).' },
    {
      name: 'Mirror',
      type: 'string[]',
      description: 'Root URLs of mirrors (e.g. pull-through caches) tried in order before -Location for manifests, tags and blobs.',
    },
  ],
  hints: {
    LOCATION_INSECURE: 'Use https, or add -Insecure to allow http for this source',
    LOCATION_NOT_ROOT: 'Put a repository prefix in -Namespace',
    SOURCE_EXISTS: 'Unregister it first or pick another -Name',
  },
  examples: [
    { command: 'ctrimg Register-ContainerImageSource -Name local -Location http://127.0.0.1:5000 -Insecure -Namespace windows -Publisher Microsoft', description: 'A local registry over http, limited to the windows/ repositories.' },
    { command: 'ctrimg Register-ContainerImageSource -Name mcr -Location https://mcr.microsoft.com -Namespace windows', description: "Microsoft's registry." },
    {
      command: 'ctrimg Register-ContainerImageSource -Name mcr -Location https://mcr.microsoft.com -Mirror https://cache1.example,https://cache2.example',
      description: 'Pull through two caches first, falling back to the registry itself.',
    },
  ],
  run: (...a) => import('./run/Register-ContainerImageSource.js').then((m) => m.run(...a)),
};
