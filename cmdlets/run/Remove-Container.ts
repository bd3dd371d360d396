/** What Remove-Container runs; cmdlets/Remove-Container.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedContainers } from '../../src/cli/piped.js';
import { containerRemovalError, containersGone, findContainers, getContainers, removeContainers } from '../../src/ops/containers.js';
import { withOps } from '../context.js';
import { approved, foundOrWritten, importerArg, pipedObjects } from '../args.js';
import { PIPELINE } from '../Remove-Container.js';

export const run: CmdletRun = async (args, io, set) => {
  const piped = set === PIPELINE ? pipedContainers(await pipedObjects(io, 'container objects (Get-Container -OutputFormat Json)'), 'Remove-Container') : [];
  return withOps(io, async (ctx) => {
    // Each piped object is its own removal: one no longer there is an error, the others still go.
    const views = set === PIPELINE ? foundOrWritten(io, findContainers(ctx, piped)) : getContainers(ctx, args.Name as string[]);
    // Asked about each, before any goes.
    const chosen = await approved(io, views, (v) => v.container.name, 'Remove');
    if (io.whatIf) return;
    if (chosen.length === 0) return views.length > 0 ? io.info('Nothing was removed') : undefined;
    const done = await removeContainers(ctx, chosen, { stopAtFirstFailure: io.errorAction === 'Stop' });
    for (const v of done.removed) io.info(`Removed container ${v.container.name}`);
    for (const f of done.failed) io.writeError(containerRemovalError(f));
    if (done.gone.length > 0) io.writeError(containersGone(done.gone));
  }, importerArg(args));
};
