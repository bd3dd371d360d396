/** What Unregister-ContainerImageSource runs; cmdlets/Unregister-ContainerImageSource.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { unregisterSource } from '../../src/ops/sources.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) =>
  withOps(io, (ctx) => {
    const s = unregisterSource(ctx, args.Name as string);
    io.info(`Unregistered source '${s.name}' (${s.location})`);
  });
