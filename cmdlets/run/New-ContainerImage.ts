/** What New-ContainerImage runs; cmdlets/New-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedContainer } from '../../src/cli/piped.js';
import { renderImages } from '../../src/format/images.js';
import { parseVersion } from '../../src/image/version.js';
import { commitContainer } from '../../src/ops/commit.js';
import { withOps } from '../context.js';
import { PIPELINE } from '../New-ContainerImage.js';
import { bind, importerArg, pipedObjects } from '../args.js';

export const run: CmdletRun = async (args, io, set) => {
  const version = bind(args, 'Version', parseVersion);
  const container =
    set === PIPELINE
      ? pipedContainer(await pipedObjects(io, 'a container object (Get-Container -OutputFormat Json)', '-ContainerName'), 'New-ContainerImage')
      : { name: args.ContainerName as string };
  const made = version ? `${args.Name as string} ${version.text}` : (args.Name as string);
  return withOps(io, async (ctx) => {
    if (!(await io.shouldProcess(`${made} from container ${container.name ?? container.id}`, 'New'))) return;
    const image = await commitContainer(ctx, {
      container,
      name: args.Name as string,
      publisher: args.Publisher as string | undefined,
      version,
      force: args.Force === true,
      createdBy: `New-ContainerImage -ContainerName ${container.name ?? container.id}`,
    });
    io.out(renderImages([image], io.outputFormat));
  }, importerArg(args));
};
