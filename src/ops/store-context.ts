/**
 * What the operations that only read and decide over the records are given: the store, opened
 * on its root, and a reporter. Listing images and planning a removal need nothing else, so their
 * commands never load what context.ts adds for the rest (the content store, the layer importers
 * with tar and child processes, hashing): on a store of 10,000 images that loading was a tenth of
 * a listing's time.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/index.js';
import { parseReserve, RESERVE_VARIABLE } from '../content/free-space.js';
import { databasePath } from '../content/layout.js';
import { openRoot } from '../content/root.js';
import type { Reporter } from './progress.js';

export interface StoreContext {
  /** The store root, resolved to its real path when the context was opened (content/root.ts). */
  root: string;
  store: Store;
  report: Reporter;
  signal: AbortSignal;
  now(): Date;
  /** Closes the database (and, in an OpsContext, every registry connection opened). */
  close(): Promise<void>;
}

/** `$CTRIMG_ROOT`, else `%ProgramData%\ctrimg` on Windows, /var/lib/ctrimg for root, else the XDG data dir. */
export function defaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CTRIMG_ROOT) return env.CTRIMG_ROOT;
  if (process.platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'ctrimg');
  if (process.getuid?.() === 0) return '/var/lib/ctrimg';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'ctrimg');
}

export interface StoreContextOptions {
  root?: string;
  report: Reporter;
  signal: AbortSignal;
}

/** Opens (creating when missing) the store root and its database, read through a memory map (store/db.ts). */
export async function openStoreContext(opts: StoreContextOptions): Promise<StoreContext> {
  // Not used here, but a bad setting is refused by every command, as by the ones that write.
  parseReserve(process.env[RESERVE_VARIABLE]);
  const root = await openRoot(opts.root ?? defaultRoot());
  return storeContext(root, Store.open(databasePath(root), { mapped: true }), opts);
}

/** The context of a store already opened on `root`. */
export function storeContext(root: string, store: Store, opts: StoreContextOptions): StoreContext {
  return {
    root,
    store,
    report: opts.report,
    signal: opts.signal,
    now: () => new Date(),
    close: async () => store.close(),
  };
}
