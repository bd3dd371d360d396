/**
 * Tar entry names as paths inside a root (design rule 4). The dir importer cleans names the way
 * containerd's pkg/archive does (`cleanParts`: rooted, `..` clamped at the root); the Windows
 * validation (windows.ts) cleans them as hcsshim does on Windows and refuses one that leaves the layer.
 */
import { lstat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { BytePath } from './byte-paths.js';
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
 * The components of `name` (a byte string) cleaned as Go's filepath.Clean cleans it rooted at
 * `/`, which is what containerd makes of an entry name or a symlink target: empty and `.`
 * components dropped, `..` removing the component before it and clamped at the root. `[]` is
 * the root itself.
 */
export function cleanParts(name: BytePath): BytePath[] {
  const parts: BytePath[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
}

/**
 * `path`'s own lstat, times to the nanosecond, or undefined when nothing is there (ENOTDIR too:
 * a directory on the way is something else now).
 */
export async function lstatOrUndefined(path: string | Buffer): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
