/** What Install-ContainerImage runs; cmdlets/Install-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { renderImages } from '../../src/format/images.js';
import { pipedFoundImages } from '../../src/cli/piped.js';
import { parsePlatform } from '../../src/image/platform.js';
import { parseImageName } from '../../src/image/source.js';
import { lineageOf } from '../../src/ops/images.js';
import { describeInstallRequest, installImages, type InstallRequest } from '../../src/ops/install.js';
import { withOps } from '../context.js';
import { PATH, PIPELINE, REFERENCE } from '../Install-ContainerImage.js';
import { approved, bind, importerArg, pipedObjects, versionFilterArg } from '../args.js';

export const run: CmdletRun = async (args, io, set) => {
  const requests: InstallRequest[] =
    set === PIPELINE
      ? pipedFoundImages(await pipedObjects(io, 'found image objects (Find-ContainerImage -OutputFormat Json)', '-Name, -Reference or -Path'))
      : set === REFERENCE
        ? [{ by: 'reference', reference: args.Reference as string, insecure: args.Insecure === true }]
        : set === PATH
          ? [{ by: 'path', path: args.Path as string, name: bind(args, 'Image', parseImageName) ?? {}, repository: args.Repository as string | undefined }]
          : [{ by: 'name', name: args.Name as string, versions: versionFilterArg(args), source: args.Source as string | undefined }];
  const platform = bind(args, 'Platform', parsePlatform);
  return withOps(io, async (ctx) => {
    // Asked about each request; -WhatIf goes to the install, which explains the image and platform it would take.
    const chosen = io.whatIf ? requests : await approved(io, requests, describeInstallRequest, 'Install');
    if (chosen.length === 0) return;
    // Only objects piped in are several: a named request's failure ends the command.
    const settings = { platform, whatIf: io.whatIf, maxConcurrentDownloads: args.MaxConcurrentDownloads as number | undefined, dropLayerBlobs: args.DropLayerBlobs === true };
    const done = await installImages(ctx, chosen, settings, { stopAtFirstFailure: set !== PIPELINE || io.errorAction === 'Stop' });
    io.out(renderImages(lineageOf(ctx, done.installed.map((i) => i.image)), io.outputFormat));
    for (const f of done.failed) io.writeError(f.error);
  }, importerArg(args));
};
