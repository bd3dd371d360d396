/** What Get-ContainerImage runs; cmdlets/Get-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderImages } from '../../src/format/images.js';
import { parseVersion } from '../../src/image/version.js';
import { getImages } from '../../src/ops/images.js';
import { withOps } from '../context.js';
import { bind } from '../params.js';

export const run: CmdletRun = (args, io) => {
  const version = bind(args, 'Version', parseVersion);
  return withOps(io, (ctx) => {
    const images = getImages(ctx, {
      names: args.Name as string[] | undefined,
      publisher: args.Publisher as string | undefined,
      version,
      childOf: args.ChildOf as string | undefined,
    });
    io.out(renderImages(images, io.outputFormat, args.Property as string[] | undefined));
  });
};
