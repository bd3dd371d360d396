import type { CmdletSpec } from '../src/cli/types.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-ContainerImage',
  synopsis: 'Lists installed images with their publisher, version and lineage.',
  params: [
    { name: 'Name', type: 'string[]', positional: true, description: 'Image names; case-insensitive wildcards.' },
    { name: 'Publisher', type: 'string', description: 'Only images of this publisher (Microsoft or CN=Microsoft; wildcards).' },
    { name: 'Version', type: 'string', description: 'Only this version.' },
    { name: 'ChildOf', type: 'string', description: 'Only images whose ParentImage is this image.' },
    { name: 'Property', type: 'string[]', description: 'Show only these properties, e.g. Name,ParentImage.' },
  ],
  hints: { IMAGE_NOT_FOUND: 'Get-ContainerImage without -ChildOf lists them' },
  examples: [
    { command: 'ctrimg Get-ContainerImage', description: 'Every installed image.' },
    { command: 'ctrimg Get-ContainerImage -Name Web* -Property Name,ParentImage', description: 'Which image each web image is built on.' },
    { command: 'ctrimg Get-ContainerImage -OutputFormat Json', description: 'Objects for ConvertFrom-Json or jq.' },
  ],
  run: (...a) => import('./run/Get-ContainerImage.js').then((m) => m.run(...a)),
};
