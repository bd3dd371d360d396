import type { CmdletSpec } from '../src/cli/types.js';
import { pipedImages } from '../src/format/piped.js';
import { parseVersion } from '../src/image/version.js';
import { describeImage, selectByQuery, selectImages } from '../src/ops/images.js';
import { removalError, removeImages } from '../src/ops/remove.js';
import { removalLines, renderRemovalJson } from '../src/format/removal.js';
import { withOps } from './context.js';
import { databaseHints, installedHints } from './hints.js';
import { bind, importerArg, importerParam, pipedObjects } from './params.js';

const NAME = 'Name';
/** Without -Name, image objects are read from stdin, as PowerShell binds -InputObject from the pipeline. */
const PIPELINE = 'Pipeline';

export const cmdlet: CmdletSpec = {
  name: 'Remove-ContainerImage',
  synopsis: 'Removes installed images one by one, children first, refusing those a container or a child image depends on.',
  params: [
    { name: 'Name', type: 'string[]', required: true, positional: true, sets: [NAME], description: 'Image names; wildcards. Without it, image objects are read as JSON from stdin.' },
    { name: 'Publisher', type: 'string', sets: [NAME], description: 'Only images of this publisher.' },
    { name: 'Version', type: 'string', sets: [NAME], description: 'Only this version.' },
    { name: 'Force', type: 'switch', description: 'Do not ask for confirmation on a terminal (dependencies are still enforced).' },
    { name: 'WhatIf', type: 'switch', description: 'Show what would be removed and what would be refused; change nothing.' },
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
  },
};
