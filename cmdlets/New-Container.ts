import type { CmdletSpec } from '../src/cli/types.js';
import { renderContainers } from '../src/format/containers.js';
import { parseVersion } from '../src/image/version.js';
import { newContainer } from '../src/ops/containers.js';
import { withOps } from './context.js';
import { installedHints } from './hints.js';
import { bind, importerArg, importerParam } from './params.js';

export const cmdlet: CmdletSpec = {
  name: 'New-Container',
  synopsis: "Creates a container (state Off) holding the image's merged root filesystem.",
  params: [
    { name: 'ContainerImageName', type: 'string', required: true, description: 'Installed image to create the container from.' },
    { name: 'ContainerImageVersion', type: 'string', description: 'Version of the image (default: the newest installed).' },
    { name: 'Name', type: 'string', required: true, positional: true, description: 'Name of the new container.' },
    importerParam,
  ],
  hints: { ...installedHints, CONTAINER_EXISTS: 'Pick another -Name or remove it first' },
  examples: [{ command: 'ctrimg New-Container -ContainerImageName WebApp -Name web1', description: 'A container from the newest WebApp.' }],
  run: (args, io) => {
    const imageVersion = bind(args, 'ContainerImageVersion', parseVersion);
    return withOps(io, async (ctx) => {
      const view = await newContainer(ctx, { imageName: args.ContainerImageName as string, imageVersion, name: args.Name as string });
      io.out(renderContainers([view], io.outputFormat, ctx.now()));
    }, importerArg(args));
  },
};
