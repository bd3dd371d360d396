import type { CmdletSpec } from '../src/cli/types.js';
import { usage } from '../src/errors.js';
import { renderImages } from '../src/format/images.js';
import { commitContainer, commitTarget } from '../src/ops/commit.js';
import { withOps } from './context.js';
import { databaseHints } from './hints.js';
import { importerArg, importerParam } from './params.js';

/** docker commit: New-ContainerImage's operation, the image named as REPOSITORY[:TAG]. */
export const cmdlet: CmdletSpec = {
  name: 'commit',
  synopsis: "Creates an image from a container's changes (docker commit); the tag is the version when it is one.",
  params: [
    { name: 'Arguments', type: 'string[]', required: true, positional: true, description: 'CONTAINER REPOSITORY[:TAG]' },
    importerParam,
  ],
  hints: databaseHints,
  examples: [{ command: 'ctrimg commit c1 demoimage:1.0', description: "Commits container 'c1' as demoimage, version 1.0.0.0." }],
  run: async (args, io) => {
    const words = args.Arguments as string[];
    if (words.length !== 2) throw usage('give CONTAINER REPOSITORY[:TAG]');
    const [container, target] = words as [string, string];
    return withOps(io, async (ctx) => {
      const image = await commitContainer(ctx, { container: { name: container }, ...commitTarget(target), createdBy: `ctrimg commit ${container}` });
      io.out(renderImages([image], io.outputFormat));
    }, importerArg(args));
  },
};
