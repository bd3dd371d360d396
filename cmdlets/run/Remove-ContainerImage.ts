/** What Remove-ContainerImage runs; cmdlets/Remove-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletIO, CmdletRun } from '../../src/cli/types.js';
import { pipedImages } from '../../src/cli/piped.js';
import { removalLines, renderRemovalJson } from '../../src/format/removal.js';
import { parseVersion } from '../../src/image/version.js';
import { describeImage, findImages, selectByQuery } from '../../src/ops/images.js';
import { planRemoval, removalErrors, removeImages, type Removal } from '../../src/ops/remove.js';
import type { StoreContext } from '../../src/ops/store-context.js';
import { withOps, withStore } from '../context.js';
import { bind, foundOrWritten, importerArg, pipedObjects } from '../args.js';
import { PIPELINE } from '../Remove-ContainerImage.js';

export const run: CmdletRun = async (args, io, set) => {
  const version = bind(args, 'Version', parseVersion);
  const piped = set === PIPELINE ? pipedImages(await pipedObjects(io, 'image objects (Get-ContainerImage -OutputFormat Json)'), 'Remove-ContainerImage') : [];
  // Each piped object is its own removal: one no longer installed is an error, the others still go.
  const targets = (ctx: StoreContext) =>
    set === PIPELINE
      ? foundOrWritten(io, findImages(ctx, piped))
      : selectByQuery(ctx, { names: args.Name as string[], publisher: args.Publisher as string | undefined, version });
  const forced = importerArg(args);
  const stop = { stopAtFirstFailure: io.errorAction === 'Stop' };
  // -WhatIf decides over the records alone: the importers are not even loaded.
  if (io.whatIf) {
    return withStore(io, async (ctx) => {
      const plan = planRemoval(ctx, targets(ctx), { ...forced, ...stop });
      for (const image of plan.removed) await io.shouldProcess(describeImage(image), 'Remove');
      report(io, plan, true);
    });
  }
  return withOps(io, async (ctx) => {
    const selected = targets(ctx);
    const removal = await removeImages(ctx, selected, { ...stop, confirm: (image) => io.shouldProcess(describeImage(image), 'Remove') });
    // Every one declined is said; an empty listing piped in is nothing to do, silently.
    const attempted = removal.removed.length + removal.refused.length + removal.gone.length + removal.skipped.length;
    if (attempted === 0) return selected.length > 0 ? io.info('Nothing was removed') : undefined;
    report(io, removal, false);
  }, forced);
};

/** The outcome per image; each refusal, and the images gone meanwhile, as errors by -ErrorAction. */
function report(io: CmdletIO, removal: Removal, whatIf: boolean): void {
  if (io.outputFormat === 'Json') io.out(renderRemovalJson(removal, whatIf));
  else if (!whatIf) for (const line of removalLines(removal)) io.info(line);
  for (const err of removalErrors(removal)) io.writeError(err);
}
