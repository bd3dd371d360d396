/**
 * The importer kinds and the one a command forces. Apart from select.ts, which creates the
 * importers, so that a cmdlet's parameters and help name the kinds without loading them.
 */
import { usage } from '../errors.js';
import type { LayerImporter } from './types.js';

export type ImporterKind = LayerImporter['kind'];
export const IMPORTER_KINDS: readonly ImporterKind[] = ['dir', 'hcs'];

/** The forced kind: the -Importer value if given, else `$CTRIMG_IMPORTER` if set, else none. */
export function requestedImporter(param: string | undefined, env: NodeJS.ProcessEnv = process.env): ImporterKind | undefined {
  const value = param ?? env.CTRIMG_IMPORTER;
  if (value === undefined || value === '') return undefined;
  const kind = IMPORTER_KINDS.find((k) => k === value.toLowerCase());
  if (!kind) throw usage(`CTRIMG_IMPORTER is '${value}': it must be ${IMPORTER_KINDS.join(' or ')}`);
  return kind;
}
