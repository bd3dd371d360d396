/** What New-Container runs; cmdlets/New-Container.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderContainers } from '../../src/format/containers.js';
import { parseVersion } from '../../src/image/version.js';
import { parseScratchSize } from '../../src/importers/scratch.js';
import { newContainer } from '../../src/ops/containers.js';
import { withOps } from '../context.js';
import { bind, importerArg } from '../args.js';

export const run: CmdletRun = (args, io) => {
  const imageVersion = bind(args, 'ContainerImageVersion', parseVersion);
  const scratchSize = bind(args, 'ScratchSize', parseScratchSize);
  const image = imageVersion ? `${args.ContainerImageName as string} ${imageVersion.text}` : (args.ContainerImageName as string);
  return withOps(io, async (ctx) => {
    if (!(await io.shouldProcess(`${args.Name as string} from ${image}`, 'New'))) return;
    const view = await newContainer(ctx, { imageName: args.ContainerImageName as string, imageVersion, name: args.Name as string, scratchSize });
    io.out(renderContainers([view], io.outputFormat, ctx.now()));
  }, importerArg(args));
};
