import type { CmdletSpec } from '../src/cli/types.js';
import { renderSources } from '../src/format/sources.js';
import { getSources } from '../src/ops/sources.js';
import { withOps } from './context.js';

export const cmdlet: CmdletSpec = {
  name: 'Get-ContainerImageSource',
  synopsis: 'Lists the registered image sources.',
  params: [{ name: 'Name', type: 'string[]', positional: true, description: 'Source names; wildcards allowed.' }],
  examples: [{ command: 'ctrimg Get-ContainerImageSource', description: 'All sources, in the order they are searched.' }],
  run: (args, io) => withOps(io, (ctx) => io.out(renderSources(getSources(ctx, args.Name as string[] | undefined), io.outputFormat))),
};
