import type { CmdletSpec } from '../src/cli/types.js';
import { renderContainers } from '../src/format/containers.js';
import { getContainers } from '../src/ops/containers.js';
import { withOps } from './context.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-Container',
  synopsis: 'Lists containers with their state and image.',
  params: [{ name: 'Name', type: 'string[]', positional: true, description: 'Container names; wildcards.' }],
  examples: [{ command: 'ctrimg Get-Container -OutputFormat Json', description: 'Containers with Id, Path and Image.' }],
  run: (args, io) => withOps(io, (ctx) => io.out(renderContainers(getContainers(ctx, args.Name as string[] | undefined), io.outputFormat, ctx.now()))),
};
