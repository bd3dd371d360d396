import type { CmdletSpec } from '../src/cli/types.js';
import { renderContainers } from '../src/format/containers.js';
import { newContainer } from '../src/ops/containers.js';
import { withOps } from './context.js';
import { importerArg, importerParam } from './params.js';

export const cmdlet: CmdletSpec = {
  name: 'New-Container',
  synopsis: "Creates a container (state Off) holding the image's merged root filesystem.",
  params: [
    { name: 'ContainerImageName', type: 'string', required: true, description: 'Installed image to create the container from.' },
    { name: 'ContainerImageVersion', type: 'string', description: 'Version of the image (default: the newest installed).' },
    { name: 'Name', type: 'string', required: true, positional: true, description: 'Name of the new container.' },
    importerParam,
  ],
  examples: [{ command: 'ctrimg New-Container -ContainerImageName WebApp -Name web1', description: 'A container from the newest WebApp.' }],
  run: (args, io) =>
    withOps(io, async (ctx) => {
      const view = await newContainer(ctx, {
        imageName: args.ContainerImageName as string,
        imageVersion: args.ContainerImageVersion as string | undefined,
        name: args.Name as string,
      });
      io.out(renderContainers([view], io.outputFormat, ctx.now()));
      // An install lease: a removal or Repair -Fix must not take the new container's layers, or its
      // not yet recorded directory, away while it is made.
    }, { lease: 'install', ...importerArg(args) }),
};
