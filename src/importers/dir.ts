/**
 * The `dir` importer (default off Windows): each layer is unpacked as a diff into a plain
 * directory; a container gets the merged root filesystem. Everything is built in a temp
 * directory next to its destination and renamed into place only when complete. Copies (a hard
 * link to a parent layer's file, every file of a container) take their room above the store's
 * free-space reserve first: a few tar bytes may make many copied bytes. A container's changes
 * are exported by walking it against its image's layers (layers/diff.ts).
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { roomAbove } from '../content/free-space.js';
import { importerTempPath } from '../content/layout.js';
import { CtrimgError, diskFull, failed, usage } from '../errors.js';
import { diffTar } from '../layers/diff.js';
import { mergeLayers } from '../layers/merge.js';
import { removeTree } from '../layers/remove-tree.js';
import type { TakeRoom } from '../layers/room.js';
import { unpackLayer } from '../layers/unpack.js';
import { mustNotExist } from './destination.js';
import type { ContainerOptions, ImportOptions, LayerImporter } from './types.js';

export class DirImporter implements LayerImporter {
  readonly kind = 'dir' as const;
  readonly importsInPlace = false;

  /** `reserve`: bytes to leave free on the destination's filesystem (0: none). */
  constructor(private readonly reserve = 0) {}

  /** Plain directories need nothing of the host. */
  async ensureReady(): Promise<void> {}

  importLayer(tar: Readable, layerPath: string, opts: ImportOptions): Promise<number> {
    return buildAtomically(layerPath, 'import layer', this.reserve, (tmp, room) => unpackLayer(tar, tmp, opts, room));
  }

  removeLayer(layerPath: string): Promise<void> {
    return removeTree(layerPath);
  }

  async createContainer(containerPath: string, layerPaths: string[], opts: ContainerOptions = {}): Promise<void> {
    // Refused rather than ignored: whoever asked for a size expects a limit, and a directory has none.
    if (opts.scratchSize !== undefined) {
      throw usage('a scratch size applies to the scratch disk of the hcs importer; the dir importer makes a container a plain directory, without a size', {
        code: 'SCRATCH_SIZE_INVALID',
        hint: 'leave the scratch size out with the dir importer',
        details: { importer: 'dir' },
      });
    }
    const baseFirst = [...layerPaths].reverse();
    return buildAtomically(containerPath, 'create container filesystem', this.reserve, (tmp, room) => mergeLayers(tmp, baseFirst, room, { warn: opts.warn }));
  }

  removeContainer(containerPath: string): Promise<void> {
    return removeTree(containerPath);
  }

  async exportContainer(containerPath: string, layerPaths: string[]): Promise<Readable> {
    return Readable.from(diffTar(containerPath, layerPaths), { objectMode: false });
  }
}

async function buildAtomically<T>(
  dest: string,
  what: string,
  reserve: number,
  build: (tmp: string, room: TakeRoom) => Promise<T>,
): Promise<T> {
  await mustNotExist(dest, what);
  // Named with the pid (content/layout.ts), so leftovers of a crash can be told apart.
  const tmp = importerTempPath(dest);
  await mkdir(tmp, { mode: 0o700 });
  try {
    const built = await build(tmp, roomAbove(dirname(dest), reserve, `cannot ${what} at ${dest}`));
    await rename(tmp, dest);
    return built;
  } catch (err) {
    await removeTree(tmp);
    const full = diskFull(err, `cannot ${what} at ${dest}`, dirname(dest));
    if (full) throw full;
    if (err instanceof CtrimgError || (err as Error).name === 'AbortError') throw err;
    throw failed(`cannot ${what} at ${dest}: ${(err as Error).message}`, { cause: err });
  }
}
