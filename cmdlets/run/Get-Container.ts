/** What Get-Container runs; cmdlets/Get-Container.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderContainers } from '../../src/format/containers.js';
import { getContainers } from '../../src/ops/containers.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) => withOps(io, (ctx) => io.out(renderContainers(getContainers(ctx, args.Name as string[] | undefined), io.outputFormat, ctx.now())));
