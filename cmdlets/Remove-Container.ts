import type { CmdletSpec } from '../src/cli/types.js';
import { pipedContainers } from '../src/format/piped.js';
import { containersGone, getContainers, removeContainers, selectContainers } from '../src/ops/containers.js';
import { withOps } from './context.js';
import { databaseHints } from './hints.js';
import { importerArg, importerParam, pipedObjects } from './params.js';

const NAME = 'Name';
/** Without -Name, container objects are read from stdin. */
const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'Remove-Container',
  synopsis: 'Removes containers and their file systems.',
  params: [
    { name: 'Name', type: 'string[]', required: true, positional: true, sets: [NAME], description: 'Container names; wildcards. Without it, objects are read as JSON from stdin.' },
    { name: 'Force', type: 'switch', description: 'Do not ask for confirmation on a terminal.' },
    { name: 'WhatIf', type: 'switch', description: 'Show what would be removed.' },
    importerParam,
  ],
  parameterSets: { names: [NAME, PIPELINE], default: NAME },
  hints: databaseHints,
  examples: [{ command: 'ctrimg Remove-Container -Name web1', description: "Removes the container 'web1'." }],
  run: async (args, io, set) => {
    const piped = set === PIPELINE ? pipedContainers(await pipedObjects(io, 'container objects (Get-Container -OutputFormat Json)')) : [];
    return withOps(io, async (ctx) => {
      const views = set === PIPELINE ? selectContainers(ctx, piped) : getContainers(ctx, args.Name as string[]);
      if (!args.Force && !args.WhatIf && !(await io.confirm(`Remove container ${views.map((v) => v.container.name).join(', ')}?`))) {
        return io.info('Nothing was removed');
      }
      const { removed, gone } = await removeContainers(ctx, views, { whatIf: args.WhatIf === true });
      for (const v of removed) io.info(`${args.WhatIf ? 'What if: removing' : 'Removed'} container ${v.container.name}`);
      if (gone.length > 0) throw containersGone(gone);
    }, importerArg(args));
  },
};
