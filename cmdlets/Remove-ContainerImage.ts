import type { CmdletSpec } from '../src/cli/types.js';
import { pipedImages } from '../src/format/piped.js';
import { parseVersion } from '../src/image/version.js';
import { describeImage, selectByQuery, selectImages } from '../src/ops/images.js';
import { alreadyGone, removeImages } from '../src/ops/remove.js';
import { plural } from '../src/format/units.js';
import { withOps } from './context.js';
import { databaseHints, installedHints } from './hints.js';
import { bind, importerArg, importerParam, pipedObjects } from './params.js';

const NAME = 'Name';
/** Without -Name, image objects are read from stdin, as PowerShell binds -InputObject from the pipeline. */
const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'Remove-ContainerImage',
  synopsis: 'Removes installed images, refusing while a container or a child image depends on one.',
  params: [
    { name: 'Name', type: 'string[]', required: true, positional: true, sets: [NAME], description: 'Image names; wildcards. Without it, image objects are read as JSON from stdin.' },
    { name: 'Publisher', type: 'string', sets: [NAME], description: 'Only images of this publisher.' },
    { name: 'Version', type: 'string', sets: [NAME], description: 'Only this version.' },
    { name: 'Force', type: 'switch', description: 'Do not ask for confirmation on a terminal (dependencies are still enforced).' },
    { name: 'WhatIf', type: 'switch', description: 'Show what would be removed.' },
    importerParam,
  ],
  parameterSets: { names: [NAME, PIPELINE], default: NAME },
  hints: { ...installedHints, ...databaseHints },
  examples: [
    { command: 'ctrimg Remove-ContainerImage -Name WebApp -Version 1.2.0', description: 'One version of one image.' },
    { command: 'ctrimg Get-ContainerImage -Name x -OutputFormat Json | ctrimg Remove-ContainerImage -Force', description: 'Images piped in as JSON.' },
  ],
  run: async (args, io, set) => {
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
  },
};
