/** What Remove-Container runs; cmdlets/Remove-Container.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedContainers } from '../../src/cli/piped.js';
import { containersGone, getContainers, removeContainers, selectContainers } from '../../src/ops/containers.js';
import { withOps } from '../context.js';
import { importerArg, pipedObjects } from '../args.js';
import { PIPELINE } from '../Remove-Container.js';

export const run: CmdletRun = async (args, io, set) => {
  const piped = set === PIPELINE ? pipedContainers(await pipedObjects(io, 'container objects (Get-Container -OutputFormat Json)'), 'Remove-Container') : [];
  return withOps(io, async (ctx) => {
    const views = set === PIPELINE ? selectContainers(ctx, piped) : getContainers(ctx, args.Name as string[]);
    if (!args.Force && !args.WhatIf && !(await io.confirm(`Remove container ${views.map((v) => v.container.name).join(', ')}?`))) {
      return io.info('Nothing was removed');
    }
    const { removed, gone } = await removeContainers(ctx, views, { whatIf: args.WhatIf === true });
    for (const v of removed) io.info(`${args.WhatIf ? 'What if: removing' : 'Removed'} container ${v.container.name}`);
    if (gone.length > 0) throw containersGone(gone);
  }, importerArg(args));
};
