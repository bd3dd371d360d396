/**
 * Reading parsed parameters in a cmdlet's run (cmdlets/run/): domain parsers applied to them,
 * -Importer, the pipeline. Apart from params.ts, the specs, so that help loads none of this.
 */
import type { Args, CmdletIO } from '../src/cli/types.js';
import { CtrimgError, usage } from '../src/errors.js';
import { parsePiped } from '../src/cli/piped.js';
import { parseVersion, type VersionFilter } from '../src/image/version.js';
import { requestedImporter } from '../src/importers/kinds.js';
import type { Lookup } from '../src/ops/images.js';

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

/** withOps options for those cmdlets: -Importer, else $CTRIMG_IMPORTER. */
export const importerArg = (args: Args) => ({ importer: requestedImporter(args.Importer as string | undefined) });

/**
 * The objects piped to stdin, for a cmdlet's Pipeline set. Nothing on stdin is a usage error
 * naming the parameters to `give` instead and `what` to pipe; an empty array (a listing that
 * found nothing) is no object, and so, as in PowerShell, nothing to do.
 */
export async function pipedObjects(io: CmdletIO, what: string, give = '-Name'): Promise<Record<string, unknown>[]> {
  const text = await io.readStdin();
  if (text.trim() === '') throw usage(`give ${give}, or pipe ${what} to stdin`);
  return parsePiped(text);
}

/**
 * What piped objects selected: each one that matched nothing is written as its own error (by
 * -ErrorAction, as PowerShell's WriteError: Stop ends the run there, before anything changed),
 * and the others are returned for the operation.
 */
export function foundOrWritten<T>(io: CmdletIO, { found, missing }: Lookup<T, unknown>): T[] {
  for (const m of missing) io.writeError(m.error);
  return found;
}

/** The items the user lets go ahead, as ShouldProcess decides each (asked, or shown by -WhatIf), every one before any is acted on. */
export async function approved<T>(io: CmdletIO, items: T[], target: (item: T) => string, action: string): Promise<T[]> {
  const chosen: T[] = [];
  for (const item of items) if (await io.shouldProcess(target(item), action)) chosen.push(item);
  return chosen;
}
