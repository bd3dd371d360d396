/**
 * Path safety for tar entries (design rule 4): entry names are normalized to plain relative
 * paths, and paths inside a root are walked with lstat so that no symlink is ever followed.
 */
import { lstat, mkdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { failed } from '../errors.js';

/** `subject` names the offending entry, e.g. `entry 'a/b'`. */
export function unsafe(subject: string, why: string) {
  return failed(`unsafe layer tar: ${subject} ${why}`, {
    code: 'UNSAFE_TAR',
    hint: 'the image may be malicious; it was not installed',
  });
}

export function invalid(subject: string, why: string) {
  return failed(`invalid layer tar: ${subject} ${why}`, { code: 'INVALID_TAR' });
}

/**
 * Normalizes a tar entry name (or hard link target) to a relative '/'-separated path:
 * './' and '.' components and trailing slashes are dropped; '' is the layer root.
 * Absolute names and any '..' component are refused with UNSAFE_TAR.
 */
export function entryPath(name: string, subject = `entry '${name}'`): string {
  if (name.startsWith('/')) throw unsafe(subject, 'has an absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(subject, "has a '..' path component");
  return parts.join('/');
}

export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Walks the directories leading to `rel` (a normalized path) inside `root` with lstat and
 * returns the absolute path of `rel`. A symlink on the way is refused with UNSAFE_TAR, a
 * non-directory with INVALID_TAR; `subject` names the tar entry in those errors. Missing
 * directories are created (mode 0755) when `create` is set, otherwise the result is undefined.
 * `knownDirs` (relative paths already checked to be real directories of `root`) spares the
 * walk its lstat calls; the caller drops a path from it whenever it replaces what is there.
 */
export async function pathInRoot(
  root: string,
  rel: string,
  subject: string,
  create: boolean,
  knownDirs?: Set<string>,
): Promise<string | undefined> {
  const parts = rel.split('/');
  let dir = root;
  let shown = '';
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    shown = shown ? `${shown}/${part}` : part;
    if (knownDirs?.has(shown)) continue;
    const st = await lstatOrUndefined(dir);
    if (!st) {
      if (!create) return undefined;
      await mkdir(dir, { mode: 0o755 });
    } else if (st.isSymbolicLink()) {
      throw unsafe(subject, `goes through symlink '${shown}'`);
    } else if (!st.isDirectory()) {
      throw invalid(subject, `goes through '${shown}', which is not a directory`);
    }
    knownDirs?.add(shown);
  }
  return join(root, rel);
}
