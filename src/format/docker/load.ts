/**
 * `docker load`'s lines (moby's tarexport load): `Loaded image: NAME` for each name of each image
 * as it is loaded; the images' ids (`Loaded image ID: sha256:...`) only when the last image of
 * the archive had no name.
 */
import type { Loaded } from '../../ops/install.js';

export function loadedLines(loaded: readonly Loaded[]): string[] {
  const named = loaded.flatMap((l) => l.names.map((n) => `Loaded image: ${n}`));
  const ids = loaded.at(-1)?.names.length === 0 ? loaded.map((l) => `Loaded image ID: ${l.installed.image.configDigest}`) : [];
  return [...named, ...ids];
}
