/** What commit runs; cmdlets/commit.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { renderImages } from '../../src/format/images.js';
import { commitContainer, commitTarget } from '../../src/ops/commit.js';
import { withOps } from '../context.js';
import { importerArg } from '../args.js';

export const run: CmdletRun = async (args, io) => {
  const words = args.Arguments as string[];
  if (words.length !== 2) throw usage('give CONTAINER REPOSITORY[:TAG]');
  const [container, target] = words as [string, string];
  return withOps(io, async (ctx) => {
    const image = await commitContainer(ctx, { container: { name: container }, ...commitTarget(target), createdBy: `ctrimg commit ${container}` });
    io.out(renderImages([image], io.outputFormat));
  }, importerArg(args));
};
