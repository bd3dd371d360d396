import type { CmdletSpec } from '../src/cli/types.js';
import { installedHints } from './hints.js';
import { importerParam } from './params.js';

const NAME = 'ImageName';
/**
 * Without -ContainerImageName, installed image objects (Get-ContainerImage) are read from stdin:
 * one container per image, named by -Name in the order the images come, one name each.
 */
export const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'New-Container',
  synopsis: "Creates a container (state Off) holding the image's merged root filesystem.",
  confirmImpact: 'Medium',
  params: [
    {
      name: 'ContainerImageName',
      type: 'string',
      required: true,
      sets: [NAME],
      description: 'Installed image to create the container from. Without it, image objects are read as JSON from stdin.',
    },
    { name: 'ContainerImageVersion', type: 'string', sets: [NAME], description: 'Version of the image (default: the newest installed).' },
    {
      name: 'Name',
      type: 'string[]',
      required: true,
      positional: true,
      description: 'Name of the new container; several make one container each. With images piped in: one name per image, in their order.',
    },
    {
      name: 'ScratchSize',
      type: 'string',
      description: "Size of the container's scratch disk with the hcs importer, as docker's --storage-opt size= (binary units: 127GB, 40GiB, bytes; at least 20GB). Default 127GB, as moby.",
    },
    importerParam,
  ],
  parameterSets: { names: [NAME, PIPELINE], default: NAME },
  hints: {
    ...installedHints,
    CONTAINER_EXISTS: 'Pick another -Name or remove it first',
    SCRATCH_SIZE_INVALID: (err) => (err.details.importer === 'dir' ? 'Leave -ScratchSize out with the dir importer' : undefined),
  },
  examples: [
    { command: 'ctrimg New-Container -ContainerImageName WebApp -Name web1', description: 'A container from the newest WebApp.' },
    { command: 'ctrimg Get-ContainerImage -Name WebApp -Version 1.2.0 --json | ctrimg New-Container -Name web1', description: 'A container from the one image a name and version select, piped in.' },
    {
      command: 'ctrimg Get-ContainerImage -Name NanoServer,WebApp --json | ctrimg New-Container -Name nano1,web1',
      description:
        "One container per image piped in, the names taken in the listing's order: Get-ContainerImage lists by name (NanoServer before WebApp), then newest version first, so with one version of each installed.",
    },
    { command: 'ctrimg New-Container -ContainerImageName ServerCore -Name build1 -ScratchSize 200GB', description: 'A container with a 200 GiB scratch disk (hcs).' },
  ],
  run: (...a) => import('./run/New-Container.js').then((m) => m.run(...a)),
};
