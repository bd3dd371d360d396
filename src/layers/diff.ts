/**
 * A container's changes as a layer tar: its merged tree (`upper`, as merge.ts made it and the
 * container then changed it) walked against its image's layer diffs read as one merged tree
 * (merged-view.ts), as containerd's double-walk comparer (continuity fs.Changes) and umoci's
 * repack do. Entries come in the walk's order, depth first, names byte-sorted in each directory,
 * so the same trees always give the same tar:
 *
 * - an entry the image lacks, or whose type, mode, owner, device, size, modification time (to
 *   the nanosecond), symlink target or extended attributes differ, is written whole; a regular
 *   file whose size and whole-second time agree, both without nanoseconds, is compared by content
 *   (times may have been truncated, as continuity's sameFile does);
 * - a directory is written when it is new or its own attributes changed, and before any entry
 *   written below it (containerd's includeParents), so an unpacker never invents a parent;
 * - an entry of the image the container lacks becomes a whiteout `.wh.<name>` beside it, one for a
 *   whole deleted directory; no opaque markers (per-entry deletes, as containerd writes them);
 *   whiteouts carry the epoch as their time (as containerd 2.0 writes them), so the tar does not
 *   depend on when it was made;
 * - files of the diff that share an inode are written once and then as hard links to it.
 *
 * Unlike containerd's writer, which cuts times to the second and keeps only security.capability,
 * headers keep times to the nanosecond and every extended attribute (tar/writer.ts): a container
 * made from the commit must hold exactly what the committed one held (layer fidelity).
 *
 * The container root's own attributes are the store's (0700), not the image's: never compared.
 * Sockets are left out, as containerd leaves them out. A name of the reserved `.wh.` form in the
 * container cannot be written as a file of a layer: the commit is refused.
 */
import type { BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { failed } from '../errors.js';
import { bytesOf, fromBuffer, fsPath, shown, type BytePath } from './byte-paths.js';
import { majorMinor } from './merge.js';
import { MergedView } from './merged-view.js';
import { timestampOfNs } from './times.js';
import { encodeHeader, END_OF_ARCHIVE, padding, type WriteHeader } from './tar/writer.js';
import type { EntryType } from './tar/header.js';
import { isWhiteout, WHITEOUT_PREFIX } from './whiteouts.js';
import { readXattrTree, type Xattrs } from './xattrs.js';

const CHUNK = 256 * 1024;

/** What the walk found at one path on one side. */
interface Side {
  path: BytePath;
  st: BigIntStats;
}

/** Counts what a diff wrote, for the caller to tell an unchanged container from a changed one. */
export interface DiffCount {
  entries: number;
}

/**
 * The layer tar of `upper`'s changes against `lowers` (the image's layer directories, nearest
 * first), ending with the end-of-archive blocks. `count.entries` grows as entries are written.
 */
export async function* diffTar(upper: string, lowers: string[], count: DiffCount = { entries: 0 }): AsyncGenerator<Buffer> {
  const walk = new DiffWalk(bytesOf(resolve(upper)), lowers.map((l) => bytesOf(resolve(l))));
  await walk.readXattrs();
  yield* walk.dir('', count);
  yield END_OF_ARCHIVE;
}

class DiffWalk {
  private readonly view: MergedView;
  private upperXattrs = new Map<BytePath, Xattrs>();
  private lowerXattrs = new Map<BytePath, Xattrs>();
  /** Directories above the current entry not written yet, outermost first. */
  private readonly pending: Array<{ rel: BytePath; side: Side }> = [];
  /** `dev:ino` of a written file with more than one link -> the name it was written under. */
  private readonly links = new Map<string, BytePath>();

  constructor(
    private readonly upper: BytePath,
    private readonly lowers: BytePath[],
  ) {
    this.view = new MergedView(upper, lowers);
  }

  async readXattrs(): Promise<void> {
    this.upperXattrs = await readXattrTree(this.upper);
    for (const layer of this.lowers) for (const [path, attrs] of await readXattrTree(layer)) this.lowerXattrs.set(path, attrs);
  }

  /** The changes below directory `rel`, which exists in the container. */
  async *dir(rel: BytePath, count: DiffCount): AsyncGenerator<Buffer> {
    const lowerDir = rel === '' ? true : (await this.view.parentsEntry(rel))?.st.isDirectory() === true;
    const names = new Set(await this.namesUpper(rel));
    const gone = lowerDir ? (await this.namesLower(rel)).filter((n) => !names.has(n)) : [];
    const all = [...names, ...gone].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of all) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (!names.has(name)) {
        yield* this.emit({ name: `${rel === '' ? '' : `${rel}/`}${WHITEOUT_PREFIX}${name}`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: { sec: 0, nsec: 0 } }, count);
        continue;
      }
      if (isWhiteout(name)) {
        throw failed(`the container holds '${shown(child)}': a name starting with '${WHITEOUT_PREFIX}' means a deletion in a layer, so it cannot be committed`, {
          code: 'WHITEOUT_NAME',
          hint: 'rename or remove that entry in the container, then commit again',
        });
      }
      const path = join(this.upper, child);
      const st = await lstat(fsPath(path), { bigint: true });
      if (st.isSocket()) continue;
      const side = { path, st };
      const lower = lowerDir ? await this.view.parentsEntry(child) : undefined;
      const changed = !lower || !(await this.same(side, lower));
      if (st.isDirectory()) {
        this.pending.push({ rel: child, side });
        if (changed) yield* this.flush(count);
        yield* this.dir(child, count);
        if (this.pending.at(-1)?.rel === child) this.pending.pop();
        continue;
      }
      if (changed) yield* this.entry(child, side, count);
    }
  }

  private async namesUpper(rel: BytePath): Promise<BytePath[]> {
    return (await readdir(fsPath(join(this.upper, rel)), { encoding: 'buffer' })).map(fromBuffer);
  }

  /** The names the image's merged tree shows in directory `rel`. */
  private async namesLower(rel: BytePath): Promise<BytePath[]> {
    const seen = new Set<BytePath>();
    for (const layer of this.lowers) {
      const names = await readdir(fsPath(join(layer, rel)), { encoding: 'buffer' }).catch(() => []);
      for (const n of names.map(fromBuffer)) if (!isWhiteout(n)) seen.add(n);
    }
    const shown: BytePath[] = [];
    for (const n of seen) if (await this.view.parentsEntry(rel === '' ? n : `${rel}/${n}`)) shown.push(n);
    return shown;
  }

  /** Whether the container's entry is the image's, as far as a layer can tell. */
  private async same(a: Side, b: Side): Promise<boolean> {
    if (a.st.mode !== b.st.mode || a.st.uid !== b.st.uid || a.st.gid !== b.st.gid || a.st.rdev !== b.st.rdev) return false;
    if (!sameXattrs(this.upperXattrs.get(a.path), this.lowerXattrs.get(b.path))) return false;
    if (a.st.mtimeNs !== b.st.mtimeNs) return false;
    if (a.st.isDirectory()) return true;
    if (a.st.size !== b.st.size) return false;
    if (a.st.isSymbolicLink()) return (await target(a.path)) === (await target(b.path));
    if (a.st.isFile() && a.st.mtimeNs % 1_000_000_000n === 0n && a.st.size > 0n) return sameContent(a.path, b.path, Number(a.st.size));
    return true;
  }

  /** The directories above the next entry that are not written yet. */
  private async *flush(count: DiffCount): AsyncGenerator<Buffer> {
    for (const { rel, side } of this.pending.splice(0)) yield* this.emit(await this.header(rel, side), count);
  }

  private async *emit(h: WriteHeader, count: DiffCount): AsyncGenerator<Buffer> {
    yield* this.flush(count);
    count.entries++;
    yield encodeHeader(h);
  }

  private async *entry(rel: BytePath, side: Side, count: DiffCount): AsyncGenerator<Buffer> {
    const { st } = side;
    const key = `${st.dev}:${st.ino}`;
    const first = st.isFile() && st.nlink > 1n ? this.links.get(key) : undefined;
    if (first !== undefined) {
      yield* this.emit({ ...(await this.header(rel, side)), type: 'link', size: 0, linkname: first }, count);
      return;
    }
    const h = await this.header(rel, side);
    yield* this.emit(h, count);
    if (st.nlink > 1n && !st.isDirectory()) this.links.set(key, rel);
    if (h.size > 0) {
      yield* fileData(side.path, h.size);
      yield padding(h.size);
    }
  }

  private async header(rel: BytePath, { path, st }: Side): Promise<WriteHeader> {
    const type = entryType(st);
    const [major, minor] = majorMinor(st.rdev);
    return {
      name: rel,
      type,
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: type === 'file' ? Number(st.size) : 0,
      mtime: timestampOfNs(st.mtimeNs),
      ...(type === 'symlink' && { linkname: await target(path) }),
      ...((type === 'character-device' || type === 'block-device') && { devmajor: major, devminor: minor }),
      xattrs: this.upperXattrs.get(path),
    };
  }
}

function entryType(st: BigIntStats): EntryType {
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'file';
}

const target = async (path: BytePath) => fromBuffer(await readlink(fsPath(path), { encoding: 'buffer' }));

function sameXattrs(a: Xattrs | undefined, b: Xattrs | undefined): boolean {
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const [name, value] of a ?? []) if (!b?.get(name)?.equals(value)) return false;
  return true;
}

/** Exactly `size` bytes of the file, in chunks; a file that is not that size any more fails the commit. */
async function* fileData(path: BytePath, size: number): AsyncGenerator<Buffer> {
  const fh = await open(fsPath(path), 'r');
  try {
    let done = 0;
    while (done < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      const { bytesRead } = await fh.read(buf, 0, buf.length, done);
      if (bytesRead === 0) throw failed(`${shown(path)} shrank while it was committed`);
      done += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function sameContent(a: BytePath, b: BytePath, size: number): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(fsPath(a), 'r'), open(fsPath(b), 'r')]);
  try {
    const ba = Buffer.alloc(CHUNK);
    const bb = Buffer.alloc(CHUNK);
    for (let pos = 0; pos < size; pos += CHUNK) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, CHUNK, pos), fb.read(bb, 0, CHUNK, pos)]);
      if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
      if (ra.bytesRead === 0) break;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}
