/** What Remove-ContainerImage runs; cmdlets/Remove-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedImages } from '../../src/format/piped.js';
import { removalLines, renderRemovalJson } from '../../src/format/removal.js';
import { parseVersion } from '../../src/image/version.js';
import { describeImage, selectByQuery, selectImages } from '../../src/ops/images.js';
import { removalError, removeImages } from '../../src/ops/remove.js';
import { withOps } from '../context.js';
import { bind, importerArg, pipedObjects } from '../args.js';
import { PIPELINE } from '../Remove-ContainerImage.js';

export const run: CmdletRun = async (args, io, set) => {
  const version = bind(args, 'Version', parseVersion);
  const piped = set === PIPELINE ? pipedImages(await pipedObjects(io, 'image objects (Get-ContainerImage -OutputFormat Json)')) : [];
  return withOps(io, async (ctx) => {
    const targets =
      set === PIPELINE
        ? selectImages(ctx, piped)
        : selectByQuery(ctx, { names: args.Name as string[], publisher: args.Publisher as string | undefined, version });
    const whatIf = args.WhatIf === true;
    if (!args.Force && !whatIf) {
      // Asked only about what would go; what would be refused is refused without a question.
      const plan = await removeImages(ctx, targets, { whatIf: true });
      if (plan.removed.length > 0 && !(await io.confirm(`Remove ${plan.removed.map(describeImage).join(', ')}?`))) return io.info('Nothing was removed');
    }
    const removal = await removeImages(ctx, targets, { whatIf });
    if (io.outputFormat === 'Json') io.out(renderRemovalJson(removal, whatIf));
    else for (const line of removalLines(removal, whatIf)) io.info(line);
    const err = removalError(removal);
    if (err) throw err;
  }, importerArg(args));
};
