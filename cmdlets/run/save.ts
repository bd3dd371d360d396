/** What save runs; cmdlets/save.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { saveDockerArchive } from '../../src/ops/save.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) => {
  const images = args.Arguments as string[];
  if (images.length === 0) throw usage('"save" requires at least 1 argument');
  const path = args.Output as string | undefined;
  if (path === undefined) throw usage('give the archive file with -o', { hint: 'ctrimg writes an archive to a file only' });
  return withOps(io, (ctx) => saveDockerArchive(ctx, { images, path }));
};
