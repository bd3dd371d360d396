/** What Find-ContainerImage runs; cmdlets/Find-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderFound } from '../../src/format/found.js';
import { findRequired } from '../../src/ops/find.js';
import { withOps } from '../context.js';
import { versionFilterArg } from '../args.js';

export const run: CmdletRun = (args, io) => {
  const filter = versionFilterArg(args);
  return withOps(io, async (ctx) => {
    const found = await findRequired(ctx, {
      names: args.Name as string[] | undefined,
      filter,
      allVersions: args.AllVersions === true,
      source: args.Source as string | undefined,
    });
    io.out(renderFound(found, io.outputFormat));
  });
};
