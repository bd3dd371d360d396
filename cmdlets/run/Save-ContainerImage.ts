/** What Save-ContainerImage runs; cmdlets/Save-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { pipedImages } from '../../src/format/piped.js';
import { renderSaved } from '../../src/format/saved.js';
import { parsePlatform } from '../../src/image/platform.js';
import { describeSaveRequest, saveImage, type ArchiveFormat, type SaveRequest } from '../../src/ops/save.js';
import { withOps } from '../context.js';
import { bind, pipedObjects, versionFilterArg } from '../args.js';
import { PIPELINE, REFERENCE } from '../Save-ContainerImage.js';

export const run: CmdletRun = async (args, io, set) => {
  const image: SaveRequest['image'] =
    set === PIPELINE
      ? { by: 'installed', selectors: pipedImages(await pipedObjects(io, 'an image object (Get-ContainerImage -OutputFormat Json)')) }
      : set === REFERENCE
        ? { by: 'reference', reference: args.Reference as string, insecure: args.Insecure === true }
        : { by: 'name', name: args.Name as string, versions: versionFilterArg(args), source: args.Source as string | undefined };
  const platform = bind(args, 'Platform', parsePlatform);
  return withOps(io, async (ctx) => {
    if (!(await io.shouldProcess(`${describeSaveRequest(image)} to ${args.Path as string}`, 'Save'))) return;
    const saved = await saveImage(ctx, { image, path: args.Path as string, format: args.Format as ArchiveFormat | undefined, force: args.Force === true, platform });
    io.out(renderSaved(saved, io.outputFormat));
  });
};
