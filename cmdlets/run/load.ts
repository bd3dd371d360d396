/** What load runs; cmdlets/load.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { loadedLines } from '../../src/format/docker/load.js';
import { loadImages } from '../../src/ops/install.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) => {
  const path = args.Input as string | undefined;
  if (path === undefined) throw usage('give the archive with -i', { hint: 'ctrimg reads an archive from a file or a layout directory only' });
  return withOps(io, async (ctx) => {
    const loaded = await loadImages(ctx, path);
    if (args.Quiet !== true) io.out(loadedLines(loaded).join('\n'));
  });
};
