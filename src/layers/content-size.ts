/**
 * The size docker gives a layer (and `docker images` sums into an image's SIZE): what its files
 * hold, not its tar or its compressed blob. moby's graph drivers measure the layer directory once
 * it is applied (overlay2: directory.Size), which adds the lstat size of every entry that is not
 * a directory, once per inode: a regular file's length, a symlink's target length in bytes, and
 * nothing for a hard link to a file already counted, a whiteout or a device. The same is counted
 * here from the tar headers as the layer is imported, so no second walk over the tree is needed.
 */
import type { TarHeader } from './tar/header.js';

/** `linkname` as bytes: the reader's Buffer, or the unpacker's byte string (byte-paths.ts), one character a byte. */
export function contentBytes(h: Pick<TarHeader, 'type' | 'size'> & { linkname: { length: number } }): number {
  if (h.type === 'file') return h.size;
  if (h.type === 'symlink') return h.linkname.length;
  return 0;
}
