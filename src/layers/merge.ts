/**
 * Overlays diff layers (as unpacked by unpackLayer) into one root filesystem, base first, the
 * way overlayfs shows them: whiteouts delete what lower layers put there, a directory merges
 * with a lower directory, anything else replaces what was there. Symlinks are never followed.
 * Everything made takes its room first (whole blocks, one more for its inode and name), so a
 * container's tree stops at the free-space reserve.
 *
 * Every entry keeps what the layer gave it: owner, mode, times to the nanosecond (as far as
 * times.ts can set them), extended attributes (one getfattr per layer reads them, one setfattr
 * applies them), fifos and device nodes (devices only as root: special-files.ts). Names are
 * bytes (byte-paths.ts), so a name that is not UTF-8 is copied as it is.
 */
import { link, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join, resolve } from 'node:path';
import { failed } from '../errors.js';
import { bytesOf, fromBuffer, fsPath, shown, type BytePath } from './byte-paths.js';
import { metaOfStats, setMeta, type Meta } from './meta.js';
import { lstatOrUndefined } from './paths.js';
import { removeTree } from './remove-tree.js';
import type { TakeRoom } from './room.js';
import { SpecialFiles } from './special-files.js';
import { copyFileData, copySize } from './sparse.js';
import { runTool } from './tools.js';
import { isOpaque, isWhiteout, whiteoutTarget } from './whiteouts.js';
import { readXattrTree, XattrBatch, type Xattrs } from './xattrs.js';

export interface MergeOptions {
  /** Non-fatal problems: device nodes skipped when not root, attributes the file system refused. */
  warn?: (message: string) => void;
  /** Whether device nodes can be made (a seam for tests); else whether this process is root. */
  isRoot?: boolean;
}

/** Merges `layers` (base first) into `root`, an existing empty directory. */
export async function mergeLayers(root: string, layers: string[], room: TakeRoom, opts: MergeOptions = {}): Promise<void> {
  const merger = new Merger(room, new SpecialFiles(opts.isRoot));
  for (const layer of layers) {
    merger.links.clear();
    // Absolute, as getfattr names the entries it reads.
    const src = bytesOf(resolve(layer));
    merger.xattrs = await readXattrTree(src);
    await merger.entry(await lstatBytes(src), src, bytesOf(root));
    await merger.finishLayer(opts.warn);
  }
  await merger.finishDirs();
  merger.specials.finish(opts.warn);
}

/** What a filesystem allocates in; what one made entry costs besides its data. */
const BLOCK = 4096;

const lstatBytes = (path: BytePath) => lstat(fsPath(path), { bigint: true });

class Merger {
  /** Directory metadata from the topmost layer having each directory, applied last. */
  private readonly dirs = new Map<BytePath, Meta>();
  /** `dev:ino` of a multiply linked file in the current layer -> its copy, to link again. */
  readonly links = new Map<string, BytePath>();
  /** The extended attributes of the current layer's entries that have any, by path. */
  xattrs = new Map<BytePath, Xattrs>();
  /** Attributes given to the merged directories so far: an upper layer's directory replaces them. */
  private readonly dirXattrs = new Map<BytePath, Set<BytePath>>();
  /** Attributes of merged directories that the current layer's directory does not have. */
  private readonly stale: [BytePath, BytePath][] = [];
  private readonly batch = new XattrBatch();

  constructor(
    private readonly room: TakeRoom,
    readonly specials: SpecialFiles,
  ) {}

  async entry(st: BigIntStats, src: BytePath, dst: BytePath): Promise<void> {
    const existing = await lstatOrUndefined(fsPath(dst));
    const attrs = this.xattrs.get(src);
    if (st.isDirectory()) {
      if (!existing?.isDirectory()) {
        if (existing) await rm(fsPath(dst));
        await this.room(BLOCK);
        await mkdir(fsPath(dst));
        this.dirXattrs.delete(dst);
      }
      this.dirs.set(dst, metaOfStats(st));
      this.dirAttrs(dst, attrs);
      return this.dir(src, dst);
    }
    if (existing) await this.remove(dst, existing);
    if (st.isSymbolicLink()) {
      await this.room(BLOCK);
      await symlink(await readlink(fsPath(src), { encoding: 'buffer' }), fsPath(dst));
      this.addAttrs(dst, attrs);
      return setMeta(fsPath(dst), metaOfStats(st), true);
    }
    const special = st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice();
    if (!st.isFile() && !special) return; // unpackLayer writes nothing else
    // Hard links within the layer stay links (to a fifo or device node too).
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? this.links.get(key) : undefined;
    if (first) return link(fsPath(first), fsPath(dst));
    if (special) {
      const type = st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'character-device' : 'block-device';
      await this.room(BLOCK);
      if (!(await this.specials.make(dst, type, Number(st.mode), ...majorMinor(st.rdev)))) return;
      this.addAttrs(dst, attrs);
      await setMeta(fsPath(dst), metaOfStats(st), false);
      if (st.nlink > 1n) this.links.set(key, dst);
      return;
    }
    await this.room(BLOCK + Math.ceil(copySize(st) / BLOCK) * BLOCK);
    await copyFileData(src, dst, st);
    this.addAttrs(dst, attrs);
    await setMeta(fsPath(dst), metaOfStats(st), false);
    if (st.nlink > 1n) this.links.set(key, dst);
  }

  /** Applies the current layer's attributes (owners and modes are set by now). */
  async finishLayer(warn?: (message: string) => void): Promise<void> {
    for (const [dir, name] of this.stale.splice(0)) {
      const { code, stderr } = await runTool('setfattr', ['-h', '-x', fsPath(name), '--', fsPath(dir)]);
      if (code !== 0) throw failed(`could not remove a lower layer's extended attribute: ${shown(stderr.toString('latin1').trim())}`);
    }
    await this.batch.apply(warn);
  }

  /** Applies directory metadata deepest first, to what is still a directory. */
  async finishDirs(): Promise<void> {
    const deepestFirst = [...this.dirs].sort(([a], [b]) => b.length - a.length);
    for (const [dst, meta] of deepestFirst) {
      if ((await lstatOrUndefined(fsPath(dst)))?.isDirectory()) await setMeta(fsPath(dst), meta, false);
    }
  }

  /**
   * Removes what the merged tree has at `dst`. A directory's remembered metadata goes with it:
   * finishDirs sets it by path, and an upper layer may put a symlink where the directory was,
   * through which that path would lead out of the root.
   */
  private async remove(dst: BytePath, existing?: BigIntStats): Promise<void> {
    const st = existing ?? (await lstatOrUndefined(fsPath(dst)));
    if (!st) return;
    await removeTree(fsPath(dst));
    if (!st.isDirectory()) return;
    for (const map of [this.dirs, this.dirXattrs]) {
      for (const key of map.keys()) if (key === dst || key.startsWith(`${dst}/`)) map.delete(key);
    }
  }

  private addAttrs(dst: BytePath, attrs: Xattrs | undefined): void {
    if (attrs) this.batch.add(dst, attrs);
  }

  /** A directory shows the attributes of the topmost layer that has it, as on an overlay. */
  private dirAttrs(dst: BytePath, attrs: Xattrs | undefined): void {
    const before = this.dirXattrs.get(dst);
    for (const name of before ?? []) if (!attrs?.has(name)) this.stale.push([dst, name]);
    if (attrs) this.dirXattrs.set(dst, new Set(attrs.keys()));
    else this.dirXattrs.delete(dst);
    this.addAttrs(dst, attrs);
  }

  private async dir(src: BytePath, dst: BytePath): Promise<void> {
    const names = (await readdir(fsPath(src), { encoding: 'buffer' })).map(fromBuffer);
    if (names.some(isOpaque)) {
      for (const lower of await readdir(fsPath(dst), { encoding: 'buffer' })) await this.remove(join(dst, fromBuffer(lower)));
    }
    for (const name of names) {
      const hidden = whiteoutTarget(name);
      if (hidden !== undefined) await this.remove(join(dst, hidden));
    }
    for (const name of names) {
      if (!isWhiteout(name)) await this.entry(await lstatBytes(join(src, name)), join(src, name), join(dst, name));
    }
  }
}

/** glibc's major() and minor() of a device number. */
export function majorMinor(rdev: bigint): [number, number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}
