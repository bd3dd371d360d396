/**
 * Parameters several cmdlets declare alike, so their names and help stay the same everywhere.
 * Specs only: what runs read of them is in args.ts, which help never loads.
 */
import type { ParamSpec } from '../src/cli/types.js';
import { IMPORTER_KINDS } from '../src/importers/kinds.js';

/** Parameter sets of the cmdlets that take versions: an exact version, or a range (the default). */
export const EXACT = 'Exact';
export const RANGE = 'Range';

export const versionParams: ParamSpec[] = [
  { name: 'RequiredVersion', type: 'string', aliases: ['Version'], required: true, sets: [EXACT], description: 'Exactly this version.' },
  { name: 'MinimumVersion', type: 'string', sets: [RANGE], description: 'At least this version (the newest such is taken).' },
  { name: 'MaximumVersion', type: 'string', sets: [RANGE], description: 'At most this version (the newest such is taken).' },
];

/** On the cmdlets that import or remove layers and containers. */
export const importerParam: ParamSpec = {
  name: 'Importer',
  type: 'string',
  choices: [...IMPORTER_KINDS],
  description: "Layer importer: 'hcs' (wclayer, default on Windows) or 'dir' (default elsewhere); $CTRIMG_IMPORTER if not given. A store keeps the one it was first used with.",
};
