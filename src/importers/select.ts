/**
 * Which importer a command uses. A store holds one kind of layers: the importer it was first
 * used with is recorded in its settings, later commands use that one, and forcing the other
 * kind on a store that has layers or containers is refused rather than mixing them. Forcing
 * is `-Importer` on the cmdlets that import or remove, or `$CTRIMG_IMPORTER` for scripts.
 */
import type { Store } from '../../store/index.js';
import { DirImporter } from './dir.js';
import { HcsImporter } from './hcs.js';
import { checkImporter, IMPORTER_SETTING, type ImporterKind } from './kinds.js';
import type { LayerImporter } from './types.js';
import { systemWindowsHost } from './windows-host.js';

export function defaultImporter(platform: NodeJS.Platform = process.platform): ImporterKind {
  return platform === 'win32' ? 'hcs' : 'dir';
}

/** Decides the store's importer kind, recording it; throws a usage error on a mismatch. */
export function resolveImporter(store: Store, forced: ImporterKind | undefined, platform: NodeJS.Platform = process.platform): ImporterKind {
  // Most commands find the kind recorded and nothing forced: no write lock for them.
  const settled = store.settings.get(IMPORTER_SETTING) as ImporterKind | undefined;
  if (settled && (!forced || forced === settled)) return settled;
  return store.transaction(() => {
    const recorded = checkImporter(store, forced);
    const kind = forced ?? recorded ?? defaultImporter(platform);
    if (store.settings.get(IMPORTER_SETTING) !== kind) store.settings.set(IMPORTER_SETTING, kind);
    return kind;
  });
}

/**
 * `reserve`: bytes the importer leaves free on the store's filesystem (content/free-space.ts).
 * Only `dir` makes copies the tar's bytes do not count; hcs has none of its own (wclayer writes
 * what the tar, checked as it streams, holds, and a container's scratch layer starts empty).
 * `root`: the store root; hcs asks a Windows host about it and about this process
 * (importers/windows-host.ts), and off Windows (a wclayer stand-in) asks nothing.
 */
export function createImporter(
  kind: ImporterKind,
  opts: { reserve: number; root: string },
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): LayerImporter {
  if (kind === 'dir') return new DirImporter(opts.reserve);
  return new HcsImporter(env, platform === 'win32' ? { windows: systemWindowsHost(), root: opts.root } : undefined);
}
