/**
 * OCI/AUFS whiteouts: in a layer, `.wh.<name>` deletes `name` from the layers below and
 * `.wh..wh..opq` in a directory hides everything the layers below put in that directory.
 */

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE = '.wh..wh..opq';

/** Any whiteout-reserved name, including AUFS metadata like `.wh..wh.plnk`; never copied into a container. */
export function isWhiteout(basename: string): boolean {
  return basename.startsWith(WHITEOUT_PREFIX);
}

export function isOpaque(basename: string): boolean {
  return basename === OPAQUE;
}

/** The sibling name a `.wh.<name>` marker deletes, or undefined for anything else (incl. `.wh..`). */
export function whiteoutTarget(basename: string): string | undefined {
  if (!isWhiteout(basename) || basename.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return undefined;
  const name = basename.slice(WHITEOUT_PREFIX.length);
  return name === '' || name === '.' || name === '..' ? undefined : name;
}

/**
 * True for `.wh.`, `.wh..` and `.wh...`: markers that would delete their own directory or its
 * parent. containerd refuses them as an invalid archive; so does unpackLayer.
 */
export function whitesOutItsDirectory(basename: string): boolean {
  return ['', '.', '..'].includes(basename.slice(WHITEOUT_PREFIX.length)) && isWhiteout(basename);
}
