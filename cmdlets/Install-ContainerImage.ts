import type { CmdletSpec } from '../src/cli/types.js';
import { renderImages } from '../src/format/images.js';
import { lineageOf } from '../src/ops/images.js';
import { installImage } from '../src/ops/install.js';
import { withOps } from './context.js';
import { importerArg, importerParam, versionArgs, versionParams } from './params.js';

export const cmdlet: CmdletSpec = {
  name: 'Install-ContainerImage',
  synopsis: 'Installs an image (and the base image it names, first) from a source or a reference.',
  params: [
    { name: 'Name', type: 'string', positional: true, description: 'Image name as Find-ContainerImage shows it.' },
    ...versionParams,
    { name: 'Source', type: 'string', description: 'Install only from this source.' },
    { name: 'Reference', type: 'string', description: 'host[:port]/repository[:tag|@sha256:digest], without a source.' },
    { name: 'Insecure', type: 'switch', description: 'With -Reference: talk plain http to a registry that is not a registered source.' },
    { name: 'Platform', type: 'string', description: 'os/arch[/variant][:osversion] to pick from a multi-platform image (default: this host).' },
    { name: 'WhatIf', type: 'switch', description: 'Show what would be installed without downloading layers.' },
    { name: 'MaxConcurrentDownloads', type: 'number', description: 'Layers downloaded and imported at once (default 3, from 1 to 32).' },
    { name: 'DropLayerBlobs', type: 'switch', description: 'Delete the compressed layer blobs once imported, to save disk (kept by default for re-import).' },
    importerParam,
  ],
  examples: [
    { command: 'ctrimg Install-ContainerImage -Name NanoServer -Version 10.0.17763.1', description: 'An exact version from the registered sources.' },
    { command: 'ctrimg Install-ContainerImage -Reference 127.0.0.1:5000/windows/servercore:ltsc2019 -Insecure', description: 'By reference from a registry over http.' },
  ],
  run: (args, io) =>
    withOps(io, async (ctx) => {
      const installed = await installImage(
        ctx,
        {
          name: args.Name as string | undefined,
          reference: args.Reference as string | undefined,
          ...versionArgs(args),
          source: args.Source as string | undefined,
          insecure: args.Insecure === true,
        },
        {
          platform: args.Platform as string | undefined,
          whatIf: args.WhatIf === true,
          maxConcurrentDownloads: args.MaxConcurrentDownloads as number | undefined,
          dropLayerBlobs: args.DropLayerBlobs === true,
        },
      );
      io.out(renderImages(lineageOf(ctx, installed.map((i) => i.image)), io.outputFormat));
    }, { lease: 'install', ...importerArg(args) }),
};
