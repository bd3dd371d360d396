/** What Save-ContainerImage runs; cmdlets/Save-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedSaveItems } from '../../src/cli/piped.js';
import { renderSaved } from '../../src/format/saved.js';
import { parsePlatform } from '../../src/image/platform.js';
import { describeSaveItem, saveImages, type ArchiveFormat, type SaveItem } from '../../src/ops/save.js';
import { withOps } from '../context.js';
import { bind, pipedObjects, versionFilterArg } from '../args.js';
import { PIPELINE, REFERENCE } from '../Save-ContainerImage.js';

export const run: CmdletRun = async (args, io, set) => {
  const images: SaveItem[] =
    set === PIPELINE
      ? pipedSaveItems(await pipedObjects(io, 'image objects (Find-ContainerImage or Get-ContainerImage -OutputFormat Json)', '-Name or -Reference'))
      : set === REFERENCE
        ? [{ by: 'reference', reference: args.Reference as string, insecure: args.Insecure === true }]
        : [{ by: 'name', name: args.Name as string, versions: versionFilterArg(args), source: args.Source as string | undefined }];
  const platform = bind(args, 'Platform', parsePlatform);
  return withOps(io, async (ctx) => {
    if (!(await io.shouldProcess(`${images.map(describeSaveItem).join(', ')} to ${args.Path as string}`, 'Save'))) return;
    const saved = await saveImages(ctx, { images, path: args.Path as string, format: args.Format as ArchiveFormat | undefined, force: args.Force === true, platform });
    io.out(renderSaved(saved, io.outputFormat));
  });
};
