/** What commit runs; cmdlets/commit.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { commitContainer, commitTarget } from '../../src/ops/commit.js';
import { withOps } from '../context.js';
import { importerArg } from '../args.js';

export const run: CmdletRun = async (args, io) => {
  const words = args.Arguments as string[];
  // docker commits without a name too; every image ctrimg records has one.
  if (words.length !== 2) throw usage('"commit" requires CONTAINER and REPOSITORY[:TAG]');
  const [container, target] = words as [string, string];
  return withOps(io, async (ctx) => {
    const { image } = await commitContainer(ctx, {
      container: { name: container },
      ...commitTarget(target),
      createdBy: `ctrimg commit ${container}`,
      ...(args.Message !== undefined && { comment: args.Message as string }),
      ...(args.Author !== undefined && { author: args.Author as string }),
    });
    // As docker: the new image's id.
    io.out(image.configDigest);
  }, importerArg(args));
};
