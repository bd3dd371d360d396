/** What Unregister-ContainerImageSource runs; cmdlets/Unregister-ContainerImageSource.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { sourceNamed, unregisterSource } from '../../src/ops/sources.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) =>
  withOps(io, async (ctx) => {
    const s = sourceNamed(ctx, args.Name as string);
    if (!(await io.shouldProcess(`${s.name} (${s.location})`, 'Unregister'))) return;
    unregisterSource(ctx, s.name);
    io.info(`Unregistered source '${s.name}' (${s.location})`);
  });
