/**
 * The `dir` importer (default off Windows): each layer is unpacked as a diff into a plain
 * directory; a container gets the merged root filesystem. Everything is built in a temp
 * directory next to its destination and renamed into place only when complete.
 */
import { mkdtemp, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { CtrimgError, diskFull, failed } from '../errors.js';
import { mergeLayers } from '../layers/merge.js';
import { removeTree } from '../layers/remove-tree.js';
import { unpackLayer } from '../layers/unpack.js';
import { mustNotExist } from './destination.js';
import type { ImportOptions, LayerImporter } from './types.js';

export class DirImporter implements LayerImporter {
  readonly kind = 'dir' as const;

  /** Plain directories need nothing of the host. */
  async ensureReady(): Promise<void> {}

  importLayer(tar: Readable, layerPath: string, opts: ImportOptions): Promise<void> {
    return buildAtomically(layerPath, 'import layer', (tmp) => unpackLayer(tar, tmp, opts));
  }

  removeLayer(layerPath: string): Promise<void> {
    return removeTree(layerPath);
  }

  createContainer(containerPath: string, layerPaths: string[]): Promise<void> {
    const baseFirst = [...layerPaths].reverse();
    return buildAtomically(containerPath, 'create container filesystem', (tmp) => mergeLayers(tmp, baseFirst));
  }

  removeContainer(containerPath: string): Promise<void> {
    return removeTree(containerPath);
  }
}

async function buildAtomically(dest: string, what: string, build: (tmp: string) => Promise<void>): Promise<void> {
  await mustNotExist(dest, what);
  // Named with the pid, like install's staging directories, so leftovers of a crash can be told apart.
  const tmp = await mkdtemp(join(dirname(dest), `.tmp-${process.pid}-`));
  try {
    await build(tmp);
    await rename(tmp, dest);
  } catch (err) {
    await removeTree(tmp);
    const full = diskFull(err, `cannot ${what} at ${dest}`, dirname(dest));
    if (full) throw full;
    if (err instanceof CtrimgError || (err as Error).name === 'AbortError') throw err;
    throw failed(`cannot ${what} at ${dest}: ${(err as Error).message}`, { cause: err });
  }
}
