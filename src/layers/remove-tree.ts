/**
 * Deletes a tree with memory independent of its size. Node's `fs.rm({ recursive })` lists each
 * directory whole before deleting it, and keeps pending work for the whole tree: a layer of a
 * million files took about 2 GB. Here a depth-first walk reads each directory through an
 * opendir handle one entry at a time and deletes files as they are read; only the handles of
 * the directories on the current path are open, at most MAX_OPEN of them (deeper down, the
 * ancestors are closed and reopened on the way back: what they listed before is gone by then,
 * so a fresh listing holds only what is left). Symlinks are deleted, never followed. A directory
 * the owner may not write, list or search is made so (u+rwx) first, as `rm -rf` does for its
 * owner.
 *
 * A directory can be swapped for a symlink between being listed and being opened (opendir
 * follows symlinks), by a process writing in the tree. So each directory is lstat'ed before it
 * is opened and stat'ed after, and both must be the directory first seen there (device and
 * inode); a symlink or file found in its place is deleted as one, and a different directory is
 * refused. Node opens no directory relative to a handle, so this narrows the window (a swap
 * undone between opendir and the stat after it goes unseen) rather than closing it.
 *
 * Names are read and joined as bytes (byte-paths.ts): a name that is not UTF-8, decoded as text,
 * would name no file, and the directory holding it could never be emptied.
 *
 * The calls are synchronous, as rm's are (a promise per unlink made it 7 times slower than
 * `rm -rf`), in slices of SLICE entries between which the event loop runs (Ctrl-C, progress).
 */
import { chmodSync, lstatSync, opendirSync, rmdirSync, statSync, unlinkSync, type Dir } from 'node:fs';
import { dirname, join } from 'node:path';
import { failed } from '../errors.js';
import { bytesOf, fromBuffer, fsPath, shown, type BytePath } from './byte-paths.js';
import { setImmediate as nextTurn } from 'node:timers/promises';

const MAX_OPEN = 16;
const SLICE = 2000;

interface Level {
  path: BytePath;
  dir?: Dir;
  /** The directory first found at `path`, once it has been opened. */
  id?: { dev: number; ino: number };
}

export interface RemoveTreeOptions {
  /** Called when a directory has been lstat'ed and is about to be opened: tests swap it there. */
  beforeOpen?: (dir: string) => void;
}

/** Removes `tree` (text as Node reads it, or bytes) and everything under it; nothing there is fine. */
export async function removeTree(tree: string | Buffer, opts: RemoveTreeOptions = {}): Promise<void> {
  const path = typeof tree === 'string' ? bytesOf(tree) : fromBuffer(tree);
  let st;
  try {
    st = lstatSync(fsPath(path));
  } catch (err) {
    if (missing(err)) return;
    throw err;
  }
  if (!st.isDirectory()) return removeEntry(path, false, unlinkSync);
  const stack: Level[] = [{ path }];
  try {
    for (let n = 1; stack.length > 0; n++) {
      if (n % SLICE === 0) await nextTurn();
      const top = stack[stack.length - 1]!;
      top.dir ??= openChecked(top, stack.length > 1, opts.beforeOpen);
      if (!top.dir) {
        stack.pop();
        continue;
      }
      const entry = top.dir.readSync();
      if (entry === null) {
        top.dir.closeSync();
        top.dir = undefined;
        // Emptied as read: a directory that is not empty now was added to meanwhile; list it again.
        if (removeDir(top.path, stack.length > 1)) stack.pop();
        continue;
      }
      const child = join(top.path, fromBuffer(entry.name as unknown as Buffer));
      if (!entry.isDirectory()) {
        removeEntry(child, true, unlinkSync);
        continue;
      }
      stack.push({ path: child });
      const open = stack.filter((l) => l.dir);
      if (open.length >= MAX_OPEN) {
        open[0]!.dir!.closeSync();
        open[0]!.dir = undefined;
      }
    }
  } finally {
    for (const l of stack) l.dir?.closeSync();
  }
}

/**
 * Opens the directory at `level.path` if it still is the one first seen there. Undefined when
 * nothing is left to list: it is gone, or was a symlink or file by now and has been deleted.
 */
function openChecked(level: Level, inTree: boolean, beforeOpen?: (dir: string) => void): Dir | undefined {
  let before;
  try {
    before = lstatEntry(level.path, inTree);
  } catch (err) {
    if (missing(err)) return undefined;
    throw err;
  }
  if (!before.isDirectory()) {
    removeEntry(level.path, inTree, unlinkSync);
    return undefined;
  }
  level.id ??= { dev: before.dev, ino: before.ino };
  beforeOpen?.(fsPath(level.path).toString());
  const dir = sameDirectory(level, before) ? openDir(level.path, inTree) : undefined;
  if (dir && sameDirectory(level, statSync(fsPath(level.path)))) return dir;
  dir?.closeSync();
  if (!lstatSync(fsPath(level.path)).isDirectory()) {
    removeEntry(level.path, inTree, unlinkSync);
    return undefined;
  }
  throw failed(`refusing to delete ${shown(level.path)}: it was replaced by another directory while being deleted`, {
    code: 'TREE_CHANGED',
    hint: 'something is writing in the store; stop it, then repair the store',
  });
}

/** lstat; an entry of a directory that is not searchable is made reachable first, as for removeEntry. */
function lstatEntry(path: BytePath, inTree: boolean) {
  try {
    return lstatSync(fsPath(path));
  } catch (err) {
    if (!inTree || !denied(err)) throw err;
    ownerMayWrite(dirname(path));
    return lstatSync(fsPath(path));
  }
}

const sameDirectory = (level: Level, st: { dev: number; ino: number }) => st.dev === level.id!.dev && st.ino === level.id!.ino;

/** `inTree` as for removeEntry; a directory not listable may also sit in one not searchable. */
function openDir(path: BytePath, inTree: boolean): Dir {
  // Names come back as Buffers with encoding 'buffer' (Node's types know only text encodings).
  const open = () => opendirSync(fsPath(path), { encoding: 'buffer' as BufferEncoding });
  try {
    return open();
  } catch (err) {
    if (!denied(err)) throw err;
    if (inTree) ownerMayWrite(dirname(path));
    ownerMayWrite(path);
    return open();
  }
}

/** False when the directory is not empty. */
function removeDir(path: BytePath, inTree: boolean): boolean {
  try {
    removeEntry(path, inTree, rmdirSync);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY') return false;
    throw err;
  }
}

/** `inTree`: its parent is in the tree being removed, so may be made writable. */
function removeEntry(path: BytePath, inTree: boolean, remove: (path: Buffer) => void): void {
  try {
    remove(fsPath(path));
  } catch (err) {
    if (missing(err)) return;
    if (!inTree || !denied(err)) throw err;
    ownerMayWrite(dirname(path));
    remove(fsPath(path));
  }
}

/** u+rwx on a directory (never a symlink: the walk reaches only real directories). */
function ownerMayWrite(dir: BytePath): void {
  chmodSync(fsPath(dir), (statSync(fsPath(dir)).mode & 0o7777) | 0o700);
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? '';
const denied = (err: unknown) => code(err) === 'EACCES' || code(err) === 'EPERM';
const missing = (err: unknown) => code(err) === 'ENOENT';
