import type { CmdletSpec } from '../src/cli/types.js';
import { parsePiped } from '../src/format/piped.js';
import { containersGone, getContainers, removeContainers, selectPipedContainers } from '../src/ops/containers.js';
import { withOps } from './context.js';
import { importerArg, importerParam } from './params.js';

export const cmdlet: CmdletSpec = {
  name: 'Remove-Container',
  synopsis: 'Removes containers and their file systems.',
  params: [
    { name: 'Name', type: 'string[]', positional: true, description: 'Container names; wildcards. Without it, objects are read as JSON from stdin.' },
    { name: 'Force', type: 'switch', description: 'Do not ask for confirmation on a terminal.' },
    { name: 'WhatIf', type: 'switch', description: 'Show what would be removed.' },
    importerParam,
  ],
  examples: [{ command: 'ctrimg Remove-Container -Name web1', description: "Removes the container 'web1'." }],
  run: (args, io) =>
    withOps(io, async (ctx) => {
      const views = args.Name
        ? getContainers(ctx, args.Name as string[])
        : selectPipedContainers(ctx, parsePiped(await io.readStdin()));
      if (!args.Force && !args.WhatIf && !(await io.confirm(`Remove container ${views.map((v) => v.container.name).join(', ')}?`))) {
        return io.info('Nothing was removed');
      }
      const { removed, gone } = await removeContainers(ctx, views, { whatIf: args.WhatIf === true });
      for (const v of removed) io.info(`${args.WhatIf ? 'What if: removing' : 'Removed'} container ${v.container.name}`);
      if (gone.length > 0) throw containersGone(gone);
    }, importerArg(args)),
};
