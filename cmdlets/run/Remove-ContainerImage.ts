/** What Remove-ContainerImage runs; cmdlets/Remove-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletIO, CmdletRun } from '../../src/cli/types.js';
import { pipedImages } from '../../src/cli/piped.js';
import { removalLines, renderRemovalJson } from '../../src/format/removal.js';
import { parseVersion } from '../../src/image/version.js';
import { describeImage, selectByQuery, selectImages } from '../../src/ops/images.js';
import { planRemoval, removalError, removeImages, type Removal } from '../../src/ops/remove.js';
import type { StoreContext } from '../../src/ops/store-context.js';
import { withOps, withStore } from '../context.js';
import { bind, importerArg, pipedObjects } from '../args.js';
import { PIPELINE } from '../Remove-ContainerImage.js';

export const run: CmdletRun = async (args, io, set) => {
  const version = bind(args, 'Version', parseVersion);
  const piped = set === PIPELINE ? pipedImages(await pipedObjects(io, 'image objects (Get-ContainerImage -OutputFormat Json)'), 'Remove-ContainerImage') : [];
  const targets = (ctx: StoreContext) =>
    set === PIPELINE
      ? selectImages(ctx, piped)
      : selectByQuery(ctx, { names: args.Name as string[], publisher: args.Publisher as string | undefined, version });
  const forced = importerArg(args);
  // -WhatIf decides over the records alone: the importers are not even loaded.
  if (args.WhatIf === true) return withStore(io, (ctx) => report(io, planRemoval(ctx, targets(ctx), forced), true));
  return withOps(io, async (ctx) => {
    const selected = targets(ctx);
    if (!args.Force) {
      // Asked only about what would go; what would be refused is refused without a question.
      const plan = planRemoval(ctx, selected);
      if (plan.removed.length > 0 && !(await io.confirm(`Remove ${plan.removed.map(describeImage).join(', ')}?`))) return io.info('Nothing was removed');
    }
    report(io, await removeImages(ctx, selected), false);
  }, forced);
};

function report(io: CmdletIO, removal: Removal, whatIf: boolean): void {
  if (io.outputFormat === 'Json') io.out(renderRemovalJson(removal, whatIf));
  else for (const line of removalLines(removal, whatIf)) io.info(line);
  const err = removalError(removal);
  if (err) throw err;
}
