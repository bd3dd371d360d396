/** Ownership, mode bits and times of unpacked or copied files. */
import { chmod, lchown, lutimes } from 'node:fs/promises';

export interface Meta {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

const isRoot = process.getuid?.() === 0;

/**
 * Applies `meta` to `path` without following a final symlink (whose mode Linux cannot set).
 * Ownership only when running as root; chown comes first because it clears setuid bits.
 */
export async function setMeta(path: string, meta: Meta, isSymlink: boolean): Promise<void> {
  if (isRoot) await lchown(path, meta.uid ?? 0, meta.gid ?? 0);
  if (!isSymlink && meta.mode !== undefined) await chmod(path, meta.mode & 0o7777);
  if (meta.mtime) await lutimes(path, meta.mtime, meta.mtime);
}

/** PAX record prefixes that carry extended attributes (GNU/star and libarchive spellings). */
const XATTR_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

/** Names of the extended attributes in an entry's PAX records, e.g. `security.capability`. */
export function xattrNames(pax: Record<string, string> | undefined): string[] {
  const names: string[] = [];
  for (const key of Object.keys(pax ?? {})) {
    const prefix = XATTR_PREFIXES.find((p) => key.startsWith(p));
    if (prefix) names.push(key.slice(prefix.length));
  }
  return names;
}
