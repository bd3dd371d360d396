/** What search runs; cmdlets/search.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { renderDockerSearch } from '../../src/format/docker/search.js';
import { dockerSearch } from '../../src/ops/docker-search.js';
import { withOps } from '../context.js';

const DEFAULT_LIMIT = 25;

export const run: CmdletRun = (args, io) => {
  const words = args.Arguments as string[];
  if (words.length !== 1) throw usage('"search" requires exactly 1 argument');
  return withOps(io, async (ctx) => {
    const rows = await dockerSearch(ctx, { term: words[0]!, limit: (args.Limit as number | undefined) ?? DEFAULT_LIMIT, filters: (args.Filter as string[] | undefined) ?? [] });
    io.out(renderDockerSearch(rows, { noTrunc: args.NoTrunc === true, format: args.Format as string | undefined }));
  });
};
