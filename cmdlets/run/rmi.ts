/** What rmi runs; cmdlets/rmi.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { dockerRmi, rmiError } from '../../src/ops/docker-rmi.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) => {
  const images = args.Arguments as string[];
  if (images.length === 0) throw usage('"rmi" requires at least 1 argument');
  return withOps(io, async (ctx) => {
    const results = await dockerRmi(ctx, images, { force: args.Force === true });
    for (const r of results) if (r.lines.length) io.out(r.lines.join('\n'));
    const err = rmiError(ctx, results, args.Force === true);
    if (err) throw err;
  });
};
