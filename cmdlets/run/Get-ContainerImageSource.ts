/** What Get-ContainerImageSource runs; cmdlets/Get-ContainerImageSource.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderSources } from '../../src/format/sources.js';
import { getSources } from '../../src/ops/sources.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) => withOps(io, (ctx) => io.out(renderSources(getSources(ctx, args.Name as string[] | undefined), io.outputFormat)));
