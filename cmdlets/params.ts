/** Parameters several cmdlets declare alike, so their names and help stay the same everywhere. */
import type { Args, ParamSpec } from '../src/cli/types.js';
import { IMPORTER_KINDS, requestedImporter } from '../src/importers/select.js';

export const versionParams: ParamSpec[] = [
  { name: 'RequiredVersion', type: 'string', aliases: ['Version'], description: 'Exactly this version.' },
  { name: 'MinimumVersion', type: 'string', description: 'At least this version (the newest such is taken).' },
  { name: 'MaximumVersion', type: 'string', description: 'At most this version (the newest such is taken).' },
];

export const versionArgs = (args: Args) => ({
  required: args.RequiredVersion as string | undefined,
  minimum: args.MinimumVersion as string | undefined,
  maximum: args.MaximumVersion as string | undefined,
});

/** On the cmdlets that import or remove layers and containers. */
export const importerParam: ParamSpec = {
  name: 'Importer',
  type: 'string',
  choices: [...IMPORTER_KINDS],
  description: "Layer importer: 'hcs' (wclayer, default on Windows) or 'dir' (default elsewhere); $CTRIMG_IMPORTER if not given. A store keeps the one it was first used with.",
};

/** withOps options for those cmdlets: -Importer, else $CTRIMG_IMPORTER. */
export const importerArg = (args: Args) => ({ importer: requestedImporter(args.Importer as string | undefined) });
