/**
 * Unpacks one uncompressed layer tar into a directory as a diff: whiteout markers are kept as
 * empty files, nothing is written outside the directory. Paths mean what containerd's
 * pkg/archive makes of them applied onto the layers below (see Unpacker and merged-view.ts);
 * merge.ts overlays the diffs into the tree containerd would have built.
 *
 * The tar is read by ctrimg's own reader (tar/reader.ts), with the meaning Go's archive/tar
 * gives it, as containerd and umoci read layers: PAX times, owners and extended attributes,
 * names as bytes, sparse files expanded with their holes kept. Extended attributes are set for
 * the whole layer at the end (xattrs.ts), after every owner, since chown clears
 * security.capability; fifos and device nodes are made with coreutils (special-files.ts), device
 * nodes only as root (one warning otherwise, as containerd in a user namespace). Entry types a
 * layer cannot hold fail the import, as they fail containerd's.
 *
 * Small regular files at fresh paths, most of a layer, are written side by side on the thread
 * pool (file-writes.ts); everything else waits for the writes it could disturb.
 */
import { openSync } from 'node:fs';
import { chmod, link, mkdir, readlink, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { bytesOf, fromBuffer, fsPath, shown, type BytePath } from './byte-paths.js';
import { FileWrites } from './file-writes.js';
import { MAX_LINKS, MergedView, TooManyLinks, type Kind, type NotDir } from './merged-view.js';
import { cleanParts, invalid, unsafe } from './paths.js';
import { creationMode, metaOfStats, setCreatedFileMeta, setMeta, setMetaTimes, type Meta } from './meta.js';
import { removeTree } from './remove-tree.js';
import { copyFileData, copySize, writeFileData } from './sparse.js';
import { contentBytes } from './content-size.js';
import { SpecialFiles } from './special-files.js';
import type { TarHeader } from './tar/header.js';
import { readTar, type TarEntry } from './tar/reader.js';
import { copyUpXattrs, readXattrs, XattrBatch, type Xattrs } from './xattrs.js';
import type { TakeRoom } from './room.js';
import { isOpaque, isWhiteout, WHITEOUT_PREFIX, whiteoutTarget, whitesOutItsDirectory } from './whiteouts.js';

export interface UnpackOptions {
  /** Paths of the parent layers, nearest (the direct parent) first. */
  parents: string[];
  /**
   * Settles when every parent is in place at its path (layers of an image are imported side
   * by side): an importer awaits it before it reads a parent. Absent: they already are.
   */
  parentsReady?: Promise<void>;
  signal?: AbortSignal;
  /** Non-fatal problems (e.g. a device node skipped when not root). */
  warn?: (message: string) => void;
}

/**
 * Unpacks `input` into `root`, an existing empty directory. The caller bounds what the tar's
 * bytes write (keepFree); `room` is taken for what they do not count, the copies of parent files.
 * Returns the layer's content bytes (layers/content-size.ts).
 */
export async function unpackLayer(input: Readable, root: string, opts: UnpackOptions, room: TakeRoom): Promise<number> {
  opts.signal?.throwIfAborted();
  await chmod(root, 0o755);
  // The reader fails with the input's error: destroying the input with the reason stops it.
  const onAbort = () => input.destroy(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort);
  const unpacker = new Unpacker(root, opts, room);
  try {
    for await (const entry of readTar(input)) await unpacker.entry(entry);
    await unpacker.linkFromParents();
    await unpacker.finish();
    return unpacker.contentBytes;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    input.destroy();
    // Nothing may still be writing into `root` when the caller removes it after a failure.
    await unpacker.settle();
  }
}

/** What the unpacker reads of a header: names as byte strings, the rest as meta.ts takes it. */
interface EntryHeader extends Pick<TarHeader, 'type' | 'typeflag' | 'size' | 'sparse' | 'xattrs' | 'devmajor' | 'devminor'> {
  name: BytePath;
  linkname: BytePath;
  meta: Meta;
}

function entryHeader(h: TarHeader): EntryHeader {
  return {
    ...h,
    name: fromBuffer(h.name),
    linkname: fromBuffer(h.linkname),
    meta: { mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, atime: h.atime },
  };
}

/** The bytes a sparse entry stores (its runs'), or a plain entry's size. */
const storedSize = (h: EntryHeader) => (h.sparse ? h.sparse.reduce((n, r) => n + r.length, 0) : h.size);

/** Files up to this size are read whole and written on the thread pool; larger ones stream. */
const SMALL_FILE = 1024 * 1024;

/**
 * Applies a layer's entries in order with containerd's path semantics (pkg/archive applyNaive)
 * to the merged view (merged-view.ts), writing only into this layer's diff: names are cleaned
 * inside the root, the parent of each entry is resolved through symlinks of any layer and made
 * where missing with the lower directory's attributes, the final component is never followed.
 */
class Unpacker {
  /**
   * The layer's size as docker gives it (layers/content-size.ts), counted per entry: a path an
   * entry writes twice counts twice where moby's walk of the result would count it once.
   */
  contentBytes = 0;
  /** The layer root as a byte string. */
  private readonly root: BytePath;
  private readonly view: MergedView;
  /**
   * The owner and mode of each directory of this layer (a copied-up one's times too), applied
   * last so that writing children does not change them.
   */
  private readonly dirs = new Map<BytePath, Meta>();
  /**
   * Each directory entry's name (cleaned) and times, in tar order: containerd sets them once the
   * layer is applied on whatever the name then resolves to (applyNaive's last loop), which is
   * not the directory if a later entry replaced it by a symlink or a file.
   */
  private readonly dirTimes: Array<{ parts: BytePath[]; meta: Meta; subject: string }> = [];
  /**
   * Hard links to files of parent layers, by path in this layer: made once the whole tar is
   * read, since the parents may still be importing beside this layer.
   */
  private readonly parentLinks = new Map<BytePath, { target: BytePath; subject: string }>();
  /**
   * The copy made of each parent file that hard links name, by its path: further links to it
   * link to the copy, as they would to a file copied up once on an overlay.
   */
  private readonly copies = new Map<BytePath, BytePath>();
  /** Paths written by an entry of their own (containerd's unpackedPaths): an opaque marker keeps them. */
  private readonly explicit = new Set<BytePath>();
  /** Paths this layer removed something from, whose lower entries it must hide too if it writes a directory there. */
  private readonly replaced = new Set<BytePath>();
  /** Extended attributes of this layer's entries, by path: set at the end, after every owner. */
  private readonly xattrs = new Map<BytePath, Xattrs>();
  private readonly specials = new SpecialFiles();
  private readonly writes = new FileWrites(32, 8 * SMALL_FILE);
  /** Directories made for a lower directory, by path: they take its extended attributes at the end. */
  private readonly copyUps = new Map<BytePath, BytePath>();

  constructor(
    root: string,
    private readonly opts: UnpackOptions,
    private readonly room: TakeRoom,
  ) {
    this.root = bytesOf(root);
    this.view = new MergedView(this.root, opts.parents.map(bytesOf), opts.parentsReady);
  }

  async entry(entry: TarEntry): Promise<void> {
    const h = entryHeader(entry.header);
    const subject = `entry '${shown(h.name)}'`;
    // A PAX global header is no entry; Go returns it as one, and containerd ignores it.
    if (h.typeflag === 'g') return;
    if (h.type === undefined) throw invalid(subject, `has a type a layer cannot hold (type flag ${JSON.stringify(h.typeflag)})`);
    const parts = cleanParts(h.name);
    const whiteout = parts.length > 0 && isWhiteout(parts.at(-1)!);
    // containerd ignores an entry that resolves to the root itself ('./', '..', 'a/..').
    if (parts.length === 0) return;
    const base = parts.at(-1)!;
    if (whiteout && whitesOutItsDirectory(base)) {
      throw unsafe(subject, 'is a whiteout of its own directory or of its parent');
    }
    const dir = await this.parentDir(parts.slice(0, -1), subject, whiteout);
    // umoci writes the whiteouts of a replaced directory's children under the file that replaced
    // it; containerd refuses them (mkparent: not a directory). Nothing can be under a file, so
    // they whiteout nothing: follow umoci.
    if (dir === undefined) return;
    const rel = dir ? `${dir}/${base}` : base;
    // The tar's order holds: nothing touches a path (or one above or below it) while it is written.
    if (this.writes.touches(rel)) await this.writes.drain();
    const path = join(this.root, rel);

    if (whiteout) return this.whiteout(dir, base, path);
    this.explicit.add(rel);
    if (h.type === 'directory') this.dirTimes.push({ parts, meta: h.meta, subject });
    await this.place(entry, h, rel, path);
    this.contentBytes += contentBytes(h);
    // Once placed: placing clears what an earlier entry left at `rel`, its attributes too.
    if (h.xattrs.size && this.view.kind(rel)) this.xattrs.set(rel, h.xattrs);
  }

  /** Writes the entry at `rel`, replacing what an earlier entry of this layer left there. */
  private async place(entry: TarEntry, h: EntryHeader, rel: BytePath, path: BytePath): Promise<void> {
    switch (h.type) {
      case 'directory': {
        // An existing directory merges with this one and takes its metadata; anything else is replaced.
        if (this.view.kind(rel) !== 'dir') {
          await this.clear(rel);
          await mkdir(fsPath(path), { mode: 0o755 });
          this.view.made(rel, 'dir');
        }
        this.dirs.set(rel, { mode: h.meta.mode, uid: h.meta.uid, gid: h.meta.gid });
        return;
      }
      case 'file': {
        await this.clear(rel);
        this.claim(rel, 'other');
        const sparse = h.sparse && { runs: h.sparse, size: h.size };
        if (storedSize(h) <= SMALL_FILE) {
          const data: Buffer[] = [];
          for await (const chunk of entry) data.push(chunk);
          return this.writes.add(rel, fsPath(path), data, h.meta, sparse);
        }
        const fd = openSync(fsPath(path), 'wx', creationMode(h.meta));
        return writeFileData(fd, entry, h, (done) => setCreatedFileMeta(done, h.meta));
      }
      case 'symlink':
        await this.clear(rel);
        this.claim(rel, 'symlink', h.linkname);
        await symlink(fsPath(h.linkname), fsPath(path));
        return setMeta(fsPath(path), h.meta, true);
      case 'link':
        return this.hardLink(rel, path, h.linkname, `hard link '${shown(h.name)}' -> '${shown(h.linkname)}'`);
      case 'character-device':
      case 'block-device':
      case 'fifo':
        await this.clear(rel);
        if (!(await this.specials.make(path, h.type, h.meta.mode ?? 0o644, h.devmajor, h.devminor))) return;
        this.claim(rel, 'other');
        return setMeta(fsPath(path), h.meta, false);
    }
  }

  /** Copies the files that hard links to parent layers name, once the parents are in place. */
  async linkFromParents(): Promise<void> {
    await this.writes.drain();
    if (this.parentLinks.size === 0) return;
    await this.opts.parentsReady;
    for (const [rel, { target, subject }] of this.parentLinks) await this.copyFromParents(rel, target, subject);
  }

  /** Applies directory metadata, deepest first, then directory entries' times, then the layer's extended attributes. */
  async finish(): Promise<void> {
    await this.writes.drain();
    await this.hideReplacedDirs();
    const deepestFirst = [...this.dirs].sort(([a], [b]) => b.length - a.length);
    for (const [rel, meta] of deepestFirst) {
      await setMeta(fsPath(join(this.root, rel)), meta, false);
    }
    for (const { parts, meta, subject } of this.dirTimes) {
      // What the name resolves to in this layer (a symlink's target is found inside the root);
      // a name that resolves to nothing of this layer keeps nothing of the entry's.
      const rel = await this.resolveName(parts, subject);
      if (rel !== undefined && this.view.kind(rel)) await setMetaTimes(fsPath(join(this.root, rel)), meta);
    }
    // After the owners: chown clears security.capability. Setting them changes no mtime.
    const xattrs = new XattrBatch();
    await copyUpXattrs([...this.copyUps].map(([rel, lower]) => [lower, join(this.root, rel)]), xattrs);
    for (const [rel, values] of this.xattrs) xattrs.add(join(this.root, rel), values);
    await xattrs.apply(this.opts.warn);
    this.specials.finish(this.opts.warn);
  }

  /** Waits for the writes in flight, whatever their outcome. */
  settle(): Promise<void> {
    return this.writes.settle();
  }

  /**
   * The directory an entry goes in, resolved in the merged view and made in this layer where
   * missing (containerd's RootPath and mkparent). A component that is not a directory fails the
   * entry, or for a whiteout gives undefined: there is nothing under it to white out.
   */
  private async parentDir(parts: BytePath[], subject: string, whiteout: boolean): Promise<BytePath | undefined> {
    const resolved = await this.resolve(parts, subject);
    const dir = typeof resolved === 'string' ? this.notDirIfPendingLink(resolved) : resolved;
    if (typeof dir !== 'string') {
      if (whiteout) return undefined;
      throw invalid(subject, `goes through '${shown(dir.notDir)}', which is not a directory`);
    }
    // A directory with a whiteout name would act as a marker when layers are merged.
    const reserved = dir.split('/').find(isWhiteout);
    if (reserved !== undefined) throw invalid(subject, `is inside '${shown(reserved)}', a name reserved for whiteout markers`);
    for (const made of await this.view.makeDirs(dir)) {
      // The directory the lower layers have here shows through unchanged (containerd's copyDirInfo
      // and copyUpXAttrs).
      if (!made.lower) continue;
      this.dirs.set(made.rel, metaOfStats(made.lower.st));
      this.copyUps.set(made.rel, made.lower.path);
    }
    return dir;
  }

  /**
   * `dir`, unless it or a directory above it is a hard link waiting for a parent layer's file:
   * the merged view does not hold those until the copy is made at the end, but the entry's
   * directory is a file there, as containerd's mkparent finds it. (A link to a parent's symlink,
   * which containerd would follow, is refused too: rare, and refused rather than made wrong.)
   */
  private notDirIfPendingLink(dir: BytePath): BytePath | NotDir {
    if (this.parentLinks.size === 0 || dir === '') return dir;
    for (let i = dir.indexOf('/'); ; i = dir.indexOf('/', i + 1)) {
      const above = i < 0 ? dir : dir.slice(0, i);
      if (this.parentLinks.has(above)) return { notDir: above };
      if (i < 0) return dir;
    }
  }

  /** resolveDir, a symlink loop refused naming the entry. */
  private resolve(parts: BytePath[], subject: string): Promise<BytePath | NotDir> {
    return this.refuseLoops(this.view.resolveDir(parts), subject);
  }

  /** resolvePath (the last component followed too), a symlink loop refused naming the entry. */
  private resolveName(parts: BytePath[], subject: string): Promise<BytePath | undefined> {
    return this.refuseLoops(this.view.resolvePath(parts), subject);
  }

  private async refuseLoops<T>(resolving: Promise<T>, subject: string): Promise<T> {
    try {
      return await resolving;
    } catch (err) {
      if (err instanceof TooManyLinks) throw unsafe(subject, `goes through more than ${MAX_LINKS} symlinks (a symlink loop)`);
      throw err;
    }
  }

  /**
   * `.wh.<name>` removes `name` from the merged view: what this layer put there, and (kept as a
   * marker for merge.ts) the lower layers' entry. An opaque marker removes every entry of `dir`
   * but the paths this layer wrote by an entry of their own and the directories holding them,
   * as umoci and containerd's overlayfs applier keep them (applyNaive keeps only the former, and
   * so removes a directory made for a later entry, with the entry: a containerd bug).
   */
  private async whiteout(dir: BytePath, base: BytePath, path: BytePath): Promise<void> {
    if (isOpaque(base)) {
      if (dir === '' || this.writes.touches(dir)) await this.writes.drain();
      const kept = this.keptByOpaque(dir);
      for (const rel of this.view.below(dir)) if (!kept.has(rel) && this.view.kind(rel)) await this.clear(rel);
      this.view.opaque(dir);
    } else {
      const target = whiteoutTarget(base);
      if (target !== undefined) {
        const rel = dir ? `${dir}/${target}` : target;
        if (this.writes.touches(rel)) await this.writes.drain();
        await this.clear(rel);
        this.view.hide(rel);
      }
    }
    await writeFile(fsPath(path), '');
  }

  /** The paths below `dir` an opaque marker keeps: those written by an entry of their own, and their directories up to `dir`. */
  private keptByOpaque(dir: BytePath): Set<BytePath> {
    const kept = new Set<BytePath>();
    const prefix = dir ? `${dir}/` : '';
    for (const rel of this.explicit) {
      if (!rel.startsWith(prefix) || rel === dir) continue;
      for (let at = rel; at.length > prefix.length && !kept.has(at); at = at.slice(0, Math.max(0, at.lastIndexOf('/')))) kept.add(at);
    }
    return kept;
  }

  /**
   * A directory this layer wrote where it had removed something (a file over a directory, then
   * a directory again) must not merge with the lower directory that containerd removed with it:
   * a whiteout marker beside it hides that.
   */
  private async hideReplacedDirs(): Promise<void> {
    for (const rel of this.replaced) {
      if (this.view.kind(rel) !== 'dir' || !(await this.view.parentsEntry(rel))) continue;
      const slash = rel.lastIndexOf('/');
      await writeFile(fsPath(join(this.root, rel.slice(0, slash + 1), WHITEOUT_PREFIX + rel.slice(slash + 1))), '');
    }
  }

  /** This entry makes something at `rel`, cleared (`clear`) just before. */
  private claim(rel: BytePath, kind: Kind, target?: BytePath): void {
    this.view.made(rel, kind, target);
  }

  /** Removes what an earlier entry of this layer left at `rel`, so that a later entry replaces it. */
  private async clear(rel: BytePath): Promise<void> {
    const kind = this.view.kind(rel);
    // What waits for the end of the layer is dropped with it: below `rel` only if it is a
    // directory of this layer, else by its own key (clear runs for every entry, and scanning
    // every attribute queued made a layer whose files all have one quadratic).
    for (const pending of [this.parentLinks, this.xattrs]) {
      if (kind === 'dir') this.forget(pending, rel);
      else pending.delete(rel);
    }
    if (!kind) return;
    const path = join(this.root, rel);
    if (kind === 'dir') {
      await removeTree(fsPath(path));
      this.forget(this.dirs, rel);
      this.forget(this.copyUps, rel);
    } else {
      await unlink(fsPath(path));
    }
    this.view.removed(rel);
    this.view.hide(rel);
    this.replaced.add(rel);
  }

  /** Drops what `pending` holds at `rel` or below it: a later entry replaced it. */
  private forget(pending: Map<BytePath, unknown>, rel: BytePath): void {
    for (const key of pending.keys()) if (key === rel || key.startsWith(`${rel}/`)) pending.delete(key);
  }

  /**
   * A hard link's target is resolved as containerd's hardlinkRootPath does: its directory in the
   * merged view, its last component not followed. A file earlier in this layer is linked; one
   * the parent layers have is copied (layers are separate trees; once, however many links name it).
   */
  private async hardLink(rel: BytePath, path: BytePath, linkname: BytePath, subject: string): Promise<void> {
    // containerd does not clean the link name first: a `..` after a symlink goes up from its target.
    const parts = linkname.split('/');
    const base = parts.pop()!;
    const resolved = await this.resolve(parts, subject);
    const dir = typeof resolved === 'string' ? this.notDirIfPendingLink(resolved) : resolved;
    if (typeof dir !== 'string') throw invalid(subject, `goes through '${shown(dir.notDir)}', which is not a directory`);
    const target = base === '..' ? dir.slice(0, Math.max(0, dir.lastIndexOf('/'))) : base === '.' || base === '' ? dir : dir ? `${dir}/${base}` : base;
    if (target === '' || target === rel) throw invalid(subject, 'does not point to another file');
    if (this.writes.touches(target)) await this.writes.drain();
    const kind = this.view.kind(target);
    if (kind === 'dir') throw invalid(subject, 'points to a directory');
    if (!kind && this.view.hidesLower(target)) throw invalid(subject, 'points to a file that is in neither this layer nor its parent layers');
    const pending = this.parentLinks.get(target);
    await this.clear(rel);
    if (kind) {
      this.claim(rel, kind, kind === 'symlink' ? this.view.linkTarget(target) : undefined);
      return link(fsPath(join(this.root, target)), fsPath(path));
    }
    // Nothing is at `rel` until the copy is made; a link to a link that still waits for its
    // parent file waits for the same file.
    this.parentLinks.set(rel, pending ?? { target, subject });
  }

  private async copyFromParents(rel: BytePath, target: BytePath, subject: string): Promise<void> {
    const path = fsPath(join(this.root, rel));
    const copy = this.copies.get(target);
    if (copy) return link(fsPath(copy), path);
    const lower = await this.view.parentsEntry(target);
    if (lower?.st.isFile()) {
      await this.room(copySize(lower.st), `${subject}, a copy of the parent layer's file`);
      await copyFileData(lower.path, join(this.root, rel), lower.st);
      await setMeta(path, metaOfStats(lower.st), false);
      // A hard link shares the file's extended attributes; the copy takes them.
      const values = await readXattrs(lower.path);
      if (values.size) this.xattrs.set(rel, values);
    } else if (lower?.st.isSymbolicLink()) {
      await symlink(await readlink(fsPath(lower.path), { encoding: 'buffer' }), path);
      await setMeta(path, metaOfStats(lower.st), true);
    } else {
      throw invalid(subject, 'points to a file that is in neither this layer nor its parent layers');
    }
    this.copies.set(target, join(this.root, rel));
  }
}
