/** Parameters several cmdlets declare alike, so their names and help stay the same everywhere. */
import type { Args, CmdletIO, ParamSpec } from '../src/cli/types.js';
import { CtrimgError, usage } from '../src/errors.js';
import { parsePiped } from '../src/format/piped.js';
import { parseVersion, type VersionFilter } from '../src/image/version.js';
import { IMPORTER_KINDS, requestedImporter } from '../src/importers/kinds.js';

/** Parameter sets of the cmdlets that take versions: an exact version, or a range (the default). */
export const EXACT = 'Exact';
export const RANGE = 'Range';

export const versionParams: ParamSpec[] = [
  { name: 'RequiredVersion', type: 'string', aliases: ['Version'], required: true, sets: [EXACT], description: 'Exactly this version.' },
  { name: 'MinimumVersion', type: 'string', sets: [RANGE], description: 'At least this version (the newest such is taken).' },
  { name: 'MaximumVersion', type: 'string', sets: [RANGE], description: 'At most this version (the newest such is taken).' },
];

/**
 * A parameter's text converted by a domain parser; a usage error the parser throws (it knows no
 * parameter names) is told as this parameter's. Undefined when the parameter was not given.
 */
export function bind<T>(args: Args, name: string, convert: (text: string) => T): T | undefined {
  const text = args[name] as string | undefined;
  if (text === undefined) return undefined;
  try {
    return convert(text);
  } catch (err) {
    if (!(err instanceof CtrimgError) || err.kind !== 'usage') throw err;
    throw usage(`-${name}: ${err.message}`, { code: err.code, hint: err.hint, details: err.details, cause: err });
  }
}

/** -RequiredVersion, -MinimumVersion, -MaximumVersion as a version filter. */
export const versionFilterArg = (args: Args): VersionFilter => ({
  required: bind(args, 'RequiredVersion', parseVersion),
  minimum: bind(args, 'MinimumVersion', parseVersion),
  maximum: bind(args, 'MaximumVersion', parseVersion),
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

/** The objects piped to stdin, for a cmdlet's Pipeline set; none is a usage error naming `what` to pipe. */
export async function pipedObjects(io: CmdletIO, what: string): Promise<Record<string, unknown>[]> {
  const objects = parsePiped(await io.readStdin());
  if (objects.length === 0) throw usage(`give -Name, or pipe ${what} to stdin`);
  return objects;
}
