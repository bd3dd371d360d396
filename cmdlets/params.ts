/** Parameters several cmdlets declare alike, so their names and help stay the same everywhere. */
import type { Args, ParamSpec } from '../src/cli/types.js';

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
