/**
 * The size docker gives a layer (and `docker images` sums into an image's SIZE): what its files
 * hold, not its tar or its compressed blob. moby's graph drivers measure the layer directory once
 * it is applied (overlay2: directory.Size), which adds the lstat size of every entry that is not
 * a directory, once per inode: a regular file's length, a symlink's target length in bytes, and
 * nothing for a hard link to a file already counted, a whiteout or a device. The same is counted
 * here from the tar headers as the layer is imported, so no second walk over the tree is needed.
 */
import { lstat, readdir } from 'node:fs/promises';
import type { TarHeader } from './tar/header.js';

const SLASH = Buffer.from('/');

/** `linkname` as bytes: the reader's Buffer, or the unpacker's byte string (byte-paths.ts), one character a byte. */
export function contentBytes(h: Pick<TarHeader, 'type' | 'size'> & { linkname: { length: number } }): number {
  if (h.type === 'file') return h.size;
  if (h.type === 'symlink') return h.linkname.length;
  return 0;
}

/**
 * moby's own measure (directory.Size) of a layer's directory, for a layer recorded before its
 * content bytes were counted: the lstat size of every entry that is not a directory, each inode
 * once. Missing: 0.
 */
export async function measureTree(dir: string): Promise<number> {
  const seen = new Set<string>();
  // Names as bytes: a layer's names need not be UTF-8.
  const walk = async (d: Buffer): Promise<number> => {
    let total = 0;
    for (const entry of await readdir(d, { withFileTypes: true, encoding: 'buffer' })) {
      const path = Buffer.concat([d, SLASH, entry.name as unknown as Buffer]);
      if (entry.isDirectory()) {
        total += await walk(path);
        continue;
      }
      const st = await lstat(path, { bigint: true });
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      total += Number(st.size);
    }
    return total;
  };
  try {
    return await walk(Buffer.from(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
