/** What Register-ContainerImageSource runs; cmdlets/Register-ContainerImageSource.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderSources } from '../../src/format/sources.js';
import { registerSource } from '../../src/ops/sources.js';
import { withOps } from '../context.js';

export const run: CmdletRun = (args, io) =>
  withOps(io, async (ctx) => {
    if (!(await io.shouldProcess(`${args.Name as string} (${args.Location as string})`, 'Register'))) return;
    const source = registerSource(ctx, {
      name: args.Name as string,
      location: args.Location as string,
      namespace: args.Namespace as string | undefined,
      publisher: args.Publisher as string | undefined,
      insecure: args.Insecure === true,
      mirrors: args.Mirror as string[] | undefined,
    });
    io.out(renderSources([source], io.outputFormat));
  });
