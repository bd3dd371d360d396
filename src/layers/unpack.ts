/**
 * Unpacks one uncompressed layer tar into a directory as a diff: whiteout markers are kept as
 * empty files, nothing is written outside the directory and no symlink is followed.
 *
 * What a plain directory cannot hold is dropped with a warning, not a failure, so that common
 * images still install: device nodes and fifos (Node has no mknod), one warning per entry; and
 * extended attributes (SCHILY.xattr.* PAX records; Node has no xattr API), one warning per layer
 * since a layer may carry them on many files. Entry types it does not know fail the import.
 *
 * Small regular files at fresh paths, most of a layer, are written side by side on the thread
 * pool (file-writes.ts); everything else waits for the writes it could disturb.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { chmod, constants, copyFile, link, mkdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import tar, { type Header } from 'tar-stream';
import { FileWrites } from './file-writes.js';
import { entryPath, invalid, lstatOrUndefined, pathInRoot, unsafe } from './paths.js';
import { creationMode, setCreatedFileMeta, setMeta, xattrNames, type Meta } from './meta.js';
import { removeTree } from './remove-tree.js';
import type { TakeRoom } from './room.js';
import { hidesBelow, isWhiteout, whitesOutItsDirectory } from './whiteouts.js';

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
 */
export async function unpackLayer(input: Readable, root: string, opts: UnpackOptions, room: TakeRoom): Promise<void> {
  opts.signal?.throwIfAborted();
  await chmod(root, 0o755);
  // tar-stream's streams are streamx streams: fed with pipe(), errors forwarded by hand.
  const extract = tar.extract();
  // Destroying the extractor leaves the entry being read waiting forever: end it as well.
  let current: Entry | undefined;
  const stop = (err: unknown) => {
    current?.destroy(err as Error);
    extract.destroy(err as Error);
  };
  const onAbort = () => stop(opts.signal?.reason);
  input.on('error', stop);
  opts.signal?.addEventListener('abort', onAbort);
  input.pipe(extract as unknown as Writable);
  // The input may have failed while we were still setting up: its 'error' is gone by now.
  if (input.destroyed) stop(input.errored ?? new Error('the layer stream was closed before it was read'));
  const unpacker = new Unpacker(root, opts, room);
  try {
    for await (const entry of extract) {
      current = entry as Entry;
      await unpacker.entry(current);
      current = undefined;
    }
    await unpacker.linkFromParents();
    await unpacker.finish();
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    input.destroy();
    // Nothing may still be writing into `root` when the caller removes it after a failure.
    await unpacker.settle();
  }
}

type Entry = AsyncIterable<unknown> & { header: Header; destroy(err?: Error): void };

/** Files up to this size are read whole and written on the thread pool; larger ones stream. */
const SMALL_FILE = 1024 * 1024;

class Unpacker {
  /** Directory metadata, applied last so that writing children does not change it. */
  private readonly dirs = new Map<string, Meta>();
  /**
   * Hard links to files of parent layers, by path in this layer: made once the whole tar is
   * read, since the parents may still be importing beside this layer.
   */
  private readonly parentLinks = new Map<string, { target: string; subject: string }>();
  /**
   * The copy made of each parent file that hard links name, by its path: further links to it
   * link to the copy, as they would to a file copied up once on an overlay.
   */
  private readonly copies = new Map<string, string>();
  /** Paths checked or made to be real directories of this layer, so walks skip their lstat. */
  private readonly realDirs = new Set<string>();
  /** Entries whose extended attributes were dropped, and the attribute names seen. */
  private readonly xattrEntries: string[] = [];
  private readonly xattrs = new Set<string>();
  /** Every path this layer has made something at, so a path known to be free can be written without looking. */
  private readonly made = new Set<string>();
  private readonly writes = new FileWrites(32, 8 * SMALL_FILE);

  constructor(
    private readonly root: string,
    private readonly opts: UnpackOptions,
    private readonly room: TakeRoom,
  ) {}

  async entry(entry: Entry): Promise<void> {
    const h = entry.header;
    const subject = `entry '${h.name}'`;
    const rel = entryPath(h.name);
    const parts = rel.split('/');
    const whiteout = isWhiteout(parts.at(-1)!);
    if (whiteout && whitesOutItsDirectory(parts.at(-1)!)) {
      throw unsafe(subject, 'is a whiteout of its own directory or of its parent');
    }
    // A directory with a whiteout name would act as a marker when layers are merged.
    const inWhiteout = parts.slice(0, -1).find(isWhiteout);
    if (inWhiteout !== undefined) throw invalid(subject, `is inside '${inWhiteout}', a name reserved for whiteout markers`);
    if (whiteout || (h.type !== 'file' && h.type !== 'contiguous-file')) await drain(entry);
    if (rel === '') {
      if (h.type !== 'directory') throw invalid(subject, 'replaces the layer root');
      this.dirs.set('', h);
      return;
    }
    // The tar's order holds: nothing touches a path (or one above or below it) while it is written.
    if (this.writes.touches(rel)) await this.writes.drain();
    const path = (await pathInRoot(this.root, rel, subject, true, this.realDirs))!;

    if (whiteout) return this.create(rel, path, () => writeFile(path, '', { flag: 'wx' }));
    this.noteXattrs(rel, h);
    switch (h.type) {
      case 'directory': {
        if (!this.realDirs.has(rel) && !(await lstatOrUndefined(path))?.isDirectory()) {
          await this.clear(rel, path);
          await mkdir(path, { mode: 0o755 });
        }
        this.realDirs.add(rel);
        this.dirs.set(rel, h);
        return;
      }
      case 'file':
      case 'contiguous-file':
        if ((h.size ?? 0) <= SMALL_FILE && !this.made.has(rel) && !this.realDirs.has(rel)) {
          const data: Buffer[] = [];
          for await (const chunk of entry) data.push(chunk as Buffer);
          this.claim(rel);
          return this.writes.add(rel, path, data, h);
        }
        return writeData(entry, await this.create(rel, path, async () => openSync(path, 'wx', creationMode(h))), h);
      case 'symlink':
        await this.create(rel, path, () => symlink(h.linkname ?? '', path));
        return setMeta(path, h, true);
      case 'link':
        return this.hardLink(rel, path, h.linkname ?? '');
      case 'character-device':
      case 'block-device':
      case 'fifo':
        this.opts.warn?.(
          `skipped ${h.type.replace('-', ' ')} '${rel}': a dir layer cannot hold device nodes or fifos (Node has no mknod); the rest of the layer is imported`,
        );
        return;
      default:
        throw invalid(subject, `has an unsupported type (${h.type ?? 'unknown type flag'})`);
    }
  }

  /** Copies the files that hard links to parent layers name, once the parents are in place. */
  async linkFromParents(): Promise<void> {
    await this.writes.drain();
    if (this.parentLinks.size === 0) return;
    await this.opts.parentsReady;
    for (const [rel, { target, subject }] of this.parentLinks) await this.copyFromParents(rel, target, subject);
  }

  /** Applies directory metadata, deepest first, and reports dropped extended attributes. */
  async finish(): Promise<void> {
    await this.writes.drain();
    const deepestFirst = [...this.dirs].sort(([a], [b]) => b.length - a.length);
    for (const [rel, meta] of deepestFirst) {
      await setMeta(join(this.root, rel), meta, false);
    }
    const n = this.xattrEntries.length;
    if (n) {
      this.opts.warn?.(
        `dropped extended attributes (${[...this.xattrs].join(', ')}) of ${n} ${n === 1 ? 'entry' : 'entries'}, first '${this.xattrEntries[0]}': a dir layer cannot hold them (Node has no xattr API)`,
      );
    }
  }

  /** Waits for the writes in flight, whatever their outcome. */
  settle(): Promise<void> {
    return this.writes.settle();
  }

  private noteXattrs(rel: string, h: Header): void {
    // tar-stream puts an entry's PAX records on `header.pax`; its type declarations omit them.
    const names = xattrNames((h as { pax?: Record<string, string> }).pax);
    if (!names.length) return;
    this.xattrEntries.push(rel);
    for (const name of names) this.xattrs.add(name);
  }

  /**
   * Makes something new at `rel` with `make`, which fails with EEXIST when an earlier entry
   * left something there: that is removed and `make` runs again. Most paths of a layer are
   * new, so this spares each entry an lstat.
   */
  private async create<T>(rel: string, path: string, make: () => Promise<T>): Promise<T> {
    this.claim(rel);
    try {
      return await make();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await this.clear(rel, path);
    return make();
  }

  /** This entry makes something at `rel`: a link waiting for the parents there is dropped, and later entries know the path is used. */
  private claim(rel: string): void {
    if (this.parentLinks.size) this.forget(this.parentLinks, rel);
    this.made.add(rel);
  }

  /** Removes what an earlier entry left at `rel`, so that a later entry replaces it. */
  private async clear(rel: string, path: string): Promise<void> {
    if (this.parentLinks.size) this.forget(this.parentLinks, rel);
    const st = await lstatOrUndefined(path);
    if (!st) return;
    if (!st.isDirectory()) return unlink(path);
    await removeTree(path);
    this.forget(this.dirs, rel);
    this.forget(this.realDirs, rel);
  }

  /** Drops what `pending` holds at `rel` or below it: a later entry replaced it. */
  private forget(pending: Map<string, unknown> | Set<string>, rel: string): void {
    for (const key of pending.keys()) if (key === rel || key.startsWith(`${rel}/`)) pending.delete(key);
  }

  /**
   * A hard link's target is a path from the layer root: a file earlier in this layer, or else
   * the file in the nearest parent layer that has it (copied, since layers are separate trees;
   * once, however many links name it).
   */
  private async hardLink(rel: string, path: string, linkname: string): Promise<void> {
    const subject = `hard link '${rel}' -> '${linkname}'`;
    const target = entryPath(linkname, subject);
    if (target === '' || target === rel) throw invalid(subject, 'does not point to another file');
    if (this.writes.touches(target)) await this.writes.drain();
    const inLayer = await pathInRoot(this.root, target, subject, false, this.realDirs);
    const st = inLayer ? await lstatOrUndefined(inLayer) : undefined;
    if (st?.isDirectory()) throw invalid(subject, 'points to a directory');
    await this.clear(rel, path);
    this.claim(rel);
    if (st) return link(inLayer!, path);
    // A link to a link that still waits for its parent file waits for the same file.
    this.parentLinks.set(rel, this.parentLinks.get(target) ?? { target, subject });
  }

  private async copyFromParents(rel: string, target: string, subject: string): Promise<void> {
    const path = (await pathInRoot(this.root, rel, subject, true, this.realDirs))!;
    const copy = this.copies.get(target);
    if (copy) return link(copy, path);
    for (const parent of this.opts.parents) {
      const inParent = await pathInRoot(parent, target, subject, false);
      const pst = inParent ? await lstatOrUndefined(inParent) : undefined;
      if (pst?.isFile()) {
        await this.room(pst.size, `${subject}, a copy of the parent layer's file`);
        await copyFile(inParent!, path, constants.COPYFILE_EXCL);
        await setMeta(path, pst, false);
        this.copies.set(target, path);
        return;
      }
      if (pst || (await hidesBelow(parent, target))) break;
    }
    throw invalid(subject, 'points to a file that is in neither this layer nor its parent layers');
  }
}

/**
 * Not stream.pipeline: it waits forever on a streamx entry that was destroyed before it started.
 * A write may take only part of a chunk (a filling disk reports no error for it), so the rest is
 * written again until the disk says ENOSPC.
 *
 * For files too large to hold (small ones go to FileWrites), and for a path an earlier entry
 * used. The file's own calls are synchronous: awaited one by one, asynchronous calls cost a
 * trip through the thread pool each and bought nothing. The event loop is held only for one
 * chunk's write at a time.
 */
async function writeData(entry: Entry, fd: number, meta: Meta): Promise<void> {
  try {
    for await (const chunk of entry) {
      for (let rest = chunk as Buffer; rest.length; ) rest = rest.subarray(writeSync(fd, rest));
    }
    setCreatedFileMeta(fd, meta);
  } finally {
    closeSync(fd);
  }
}

async function drain(entry: Entry): Promise<void> {
  for await (const _ of entry);
}
