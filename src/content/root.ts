/**
 * The store root, and the one rule about what may be deleted under it (design rule 6). The
 * root is resolved once, when a command opens it, to the real path of the directory: the
 * database records identities (chain ids, container ids), never paths, and every path is
 * derived from this resolved root. So a store that was moved, copied, or is reached through a
 * symlink or a relative path only ever touches itself, and every recursive delete checks that
 * its target lies inside it before it goes ahead.
 */
import { mkdirSync, readdirSync, realpath as realpathCallback, realpathSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { CtrimgError, failed, usage } from '../errors.js';
import { removeTree } from '../layers/remove-tree.js';
import { CONTAINERS, DATABASE_FILE, LAYERS, LEASES, OWN_DIRS } from './layout.js';
import { restrictToOwner, storePermissionsError } from './owner-only.js';

/** Directories made at the root (the content store makes its own, blobs/ and ingest/). */
const SUBDIRS = [LAYERS, CONTAINERS, LEASES];
/** The store's own directories, relative to the root: never deleted themselves, only things in them. */
const OWN = new Set(OWN_DIRS);

/**
 * Creates the root if it is missing, private to its owner from its first moment (an existing
 * store created wider is tightened), resolves it to its real path, and makes its directories.
 * Returns the resolved root. An existing directory that is not a store is refused unchanged; one
 * this account may not read (a Windows store, not elevated) with STORE_PERMISSIONS.
 */
export async function openRoot(
  root: string,
  restrict: (real: string, given: string) => Promise<void> = restrictToOwner,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  try {
    return await open(root, restrict);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof CtrimgError || (code !== 'EACCES' && code !== 'EPERM')) throw err;
    throw storePermissionsError(`cannot open the store root ${root}: ${(err as Error).message}`, platform, err);
  }
}

// Synchronous file calls, as in owner-only.ts: nothing else runs while a command opens its store.
async function open(root: string, restrict: (real: string, given: string) => Promise<void>): Promise<string> {
  let existing: string | undefined;
  try {
    existing = realpathSync.native(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing !== undefined) assertStoreOrEmpty(root, existing);
  // Creates a missing root itself (content/owner-only.ts), so that it is never wider than the owner's.
  // Given the root as named too: a link to it must be ours as well.
  await restrict(existing ?? root, root);
  const real = existing ?? realpathSync.native(root);
  // A directory that appeared after realpath found none was not created here: the same rule.
  if (existing === undefined) assertStoreOrEmpty(root, real);
  for (const dir of SUBDIRS) mkdirSync(join(real, dir), { recursive: true, mode: 0o700 });
  return real;
}

/**
 * Refuses (exit 2) an existing directory that is neither empty nor a store: tightening /tmp,
 * or a home directory CTRIMG_ROOT was set to by mistake, would lock its users out. A store
 * holds ctrimg.db; one holding nothing but ctrimg's own directories is a store another command
 * is creating right now, or one whose first command stopped before making its database.
 */
function assertStoreOrEmpty(root: string, real: string): void {
  const names = readdirSync(real);
  if (names.includes(DATABASE_FILE) || names.every((n) => OWN.has(n))) return;
  const shown = real === root ? root : `${root} (${real})`;
  throw usage(`${shown} is not a ctrimg store: it is not empty and holds no ${DATABASE_FILE}; nothing was changed`, {
    code: 'NOT_A_STORE',
    hint: 'point CTRIMG_ROOT at a new or empty directory, or at an existing store',
  });
}

/** True when `path` names something strictly below `root` (both absolute; no filesystem access). */
function below(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Below the root and not one of the store's own directories (relative() normalizes `.` and `..`). */
const deletable = (root: string, path: string) => below(root, path) && !OWN.has(relative(root, path).split(sep).join('/'));

// Not node:fs/promises: loading it (and the readline it loads) cost every command that opens a
// store about 4 ms, and most commands delete nothing. The native one, as the root is resolved
// with: on Windows the JavaScript one does not resolve a volume mounted on a folder.
const realpath = promisify(realpathCallback.native);

/**
 * Refuses, with OUTSIDE_STORE, a `path` that is not inside the resolved `root`: by its name,
 * or because a directory on the way is a link to somewhere else; and the root and its own
 * directories (layers/, containers/, ...), which hold everything. The target itself may be a
 * symlink: deleting one removes the link, never what it points to.
 */
export async function assertInside(root: string, path: string): Promise<void> {
  if (deletable(root, path)) {
    const parent = await realpath(dirname(path)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined; // nothing there to delete
      throw err;
    });
    if (parent === undefined || parent === root || below(root, parent)) return;
  }
  throw failed(`refusing to delete ${path}: it lies outside the store root ${root}`, {
    code: 'OUTSIDE_STORE',
    hint: 'a directory inside the store may be a link to elsewhere; make it a real directory, then repair the store',
  });
}

/** Deletes `path` and everything below it, once it is known to lie inside `root`; missing is fine. */
export async function removeInside(root: string, path: string): Promise<void> {
  await assertInside(root, path);
  await removeTree(path);
}
