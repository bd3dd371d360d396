/**
 * Overlays diff layers (as unpacked by unpackLayer) into one root filesystem, base first, the
 * way overlayfs shows them: whiteouts delete what lower layers put there, a directory merges
 * with a lower directory, anything else replaces what was there. Symlinks are never followed.
 * Everything made takes its room first (whole blocks, one more for its inode and name), so a
 * container's tree stops at the free-space reserve.
 */
import { constants, copyFile, link, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { lstatOrUndefined } from './paths.js';
import { setMeta } from './meta.js';
import { removeTree } from './remove-tree.js';
import type { TakeRoom } from './room.js';
import { isOpaque, isWhiteout, whiteoutTarget } from './whiteouts.js';

/** Merges `layers` (base first) into `root`, an existing empty directory. */
export async function mergeLayers(root: string, layers: string[], room: TakeRoom): Promise<void> {
  const merger = new Merger(room);
  for (const layer of layers) {
    merger.links.clear();
    await merger.entry(await lstat(layer), layer, root);
  }
  await merger.finishDirs();
}

/** What a filesystem allocates in; what one made entry costs besides its data. */
const BLOCK = 4096;

class Merger {
  /** Directory metadata from the topmost layer having each directory, applied last. */
  private readonly dirs = new Map<string, Stats>();
  /** `dev:ino` of a multiply linked file in the current layer -> its copy, to link again. */
  readonly links = new Map<string, string>();

  constructor(private readonly room: TakeRoom) {}

  async entry(st: Stats, src: string, dst: string): Promise<void> {
    const existing = await lstatOrUndefined(dst);
    if (st.isDirectory()) {
      if (!existing?.isDirectory()) {
        if (existing) await rm(dst);
        await this.room(BLOCK);
        await mkdir(dst);
      }
      this.dirs.set(dst, st);
      return this.dir(src, dst);
    }
    if (existing) await removeTree(dst);
    if (st.isSymbolicLink()) {
      await this.room(BLOCK);
      await symlink(await readlink(src), dst);
      return setMeta(dst, st, true);
    }
    if (!st.isFile()) return; // unpackLayer writes nothing else
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? this.links.get(key) : undefined;
    if (first) return link(first, dst);
    await this.room(BLOCK + Math.ceil(st.size / BLOCK) * BLOCK);
    await copyFile(src, dst, constants.COPYFILE_EXCL);
    await setMeta(dst, st, false);
    if (st.nlink > 1) this.links.set(key, dst);
  }

  private async dir(src: string, dst: string): Promise<void> {
    const names = await readdir(src);
    if (names.some(isOpaque)) {
      for (const lower of await readdir(dst)) await removeTree(join(dst, lower));
    }
    for (const name of names) {
      const hidden = whiteoutTarget(name);
      if (hidden !== undefined) await removeTree(join(dst, hidden));
    }
    for (const name of names) {
      if (!isWhiteout(name)) await this.entry(await lstat(join(src, name)), join(src, name), join(dst, name));
    }
  }

  /** Applies directory metadata deepest first, to what is still a directory. */
  async finishDirs(): Promise<void> {
    const deepestFirst = [...this.dirs].sort(([a], [b]) => b.length - a.length);
    for (const [dst, st] of deepestFirst) {
      if ((await lstatOrUndefined(dst))?.isDirectory()) await setMeta(dst, st, false);
    }
  }
}
