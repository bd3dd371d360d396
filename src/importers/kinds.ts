/**
 * The importer kinds and the one a command forces. Apart from select.ts, which creates the
 * importers, so that a cmdlet's parameters and help name the kinds without loading them.
 */
import { usage } from '../errors.js';
import type { Store } from '../../store/index.js';
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

/** The store setting that records the kind its layers and containers were made by. */
export const IMPORTER_SETTING = 'importer';

/**
 * The kind the store's layers and containers were made by, undefined while it has none recorded
 * and none of them (stores from before the setting could only have been filled by `dir`); throws
 * IMPORTER_MISMATCH when `forced` is another kind and there is something it could not use.
 * Reads only: what -WhatIf asks too.
 */
export function checkImporter(store: Store, forced: ImporterKind | undefined): ImporterKind | undefined {
  const used = store.hasLayersOrContainers();
  const recorded = (store.settings.get(IMPORTER_SETTING) as ImporterKind | undefined) ?? (used ? 'dir' : undefined);
  if (forced && recorded && forced !== recorded && used) {
    throw usage(`this store's layers and containers were made by the '${recorded}' importer; '${forced}' cannot use them`, {
      code: 'IMPORTER_MISMATCH',
      hint: `use the '${recorded}' importer with this store (CTRIMG_IMPORTER), or another store (CTRIMG_ROOT) for '${forced}'`,
      details: { recorded, forced },
    });
  }
  return recorded;
}
