/** What Remove-ContainerImage runs; cmdlets/Remove-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedImages } from '../../src/format/piped.js';
import { plural } from '../../src/format/units.js';
import { parseVersion } from '../../src/image/version.js';
import { describeImage, selectByQuery, selectImages } from '../../src/ops/images.js';
import { alreadyGone, removeImages } from '../../src/ops/remove.js';
import { withOps } from '../context.js';
import { bind, importerArg, pipedObjects } from '../params.js';
import { PIPELINE } from '../Remove-ContainerImage.js';

export const run: CmdletRun = async (args, io, set) => {
  const version = bind(args, 'Version', parseVersion);
  const piped = set === PIPELINE ? pipedImages(await pipedObjects(io, 'image objects (Get-ContainerImage -OutputFormat Json)')) : [];
  return withOps(io, async (ctx) => {
    const targets =
      set === PIPELINE
        ? selectImages(ctx, piped)
        : selectByQuery(ctx, { names: args.Name as string[], publisher: args.Publisher as string | undefined, version });
    if (!args.Force && !args.WhatIf) {
      // The dry run refuses before the question when something depends on the images.
      const { removed } = await removeImages(ctx, targets, { whatIf: true });
      if (!(await io.confirm(`Remove ${removed.map(describeImage).join(', ')}?`))) return io.info('Nothing was removed');
    }
    const { removed, gone, swept } = await removeImages(ctx, targets, { whatIf: args.WhatIf === true });
    for (const img of removed) io.info(`${args.WhatIf ? 'What if: removing' : 'Removed'} image ${describeImage(img)}`);
    if (!args.WhatIf) io.info(`Deleted ${plural(swept.layers, 'unused layer')} and ${plural(swept.blobs, 'unused blob')}`);
    if (gone.length > 0) throw alreadyGone(gone);
  }, importerArg(args));
};
