/** What New-Container runs; cmdlets/New-Container.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderContainers } from '../../src/format/containers.js';
import { pipedNewContainers } from '../../src/cli/piped.js';
import { parseVersion } from '../../src/image/version.js';
import { parseScratchSize } from '../../src/importers/scratch.js';
import { describeImageRequest, newContainers, type NewContainerRequest } from '../../src/ops/containers.js';
import { withOps } from '../context.js';
import { approved, bind, importerArg, pipedObjects } from '../args.js';
import { PIPELINE } from '../New-Container.js';

export const run: CmdletRun = async (args, io, set) => {
  const imageVersion = bind(args, 'ContainerImageVersion', parseVersion);
  const scratchSize = bind(args, 'ScratchSize', parseScratchSize);
  const names = args.Name as string[];
  const requests: NewContainerRequest[] =
    set === PIPELINE
      ? pipedNewContainers(await pipedObjects(io, 'image objects (Get-ContainerImage -OutputFormat Json)', '-ContainerImageName'), names, scratchSize)
      : names.map((name) => ({ imageName: args.ContainerImageName as string, imageVersion, name, scratchSize }));
  return withOps(io, async (ctx) => {
    // Asked about each, before any is made.
    const chosen = await approved(io, requests, (r) => `${r.name} from ${describeImageRequest(r)}`, 'New');
    if (chosen.length === 0) return;
    const views = await newContainers(ctx, chosen);
    io.out(renderContainers(views, io.outputFormat, ctx.now()));
  }, importerArg(args));
};
