/**
 * Deletes a tree with memory independent of its size. Node's `fs.rm({ recursive })` lists each
 * directory whole before deleting it, and keeps pending work for the whole tree: a layer of a
 * million files took about 2 GB. Here a depth-first walk reads each directory through an
 * opendir handle one entry at a time and deletes files as they are read; only the handles of
 * the directories on the current path are open, at most MAX_OPEN of them (deeper down, the
 * ancestors are closed and reopened on the way back: what they listed before is gone by then,
 * so a fresh listing holds only what is left). Symlinks are deleted, never followed. A directory
 * the owner may not write or list is made so (u+rwx) first, as `rm -rf` does for its owner.
 */
import type { Dir } from 'node:fs';
import { chmod, lstat, opendir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const MAX_OPEN = 16;

interface Level {
  path: string;
  dir?: Dir;
}

/** Removes `path` and everything under it; nothing there is fine. */
export async function removeTree(path: string): Promise<void> {
  const st = await lstat(path).catch(ignoreMissing);
  if (!st) return;
  if (!st.isDirectory()) return removeFile(path, false);
  const stack: Level[] = [{ path }];
  try {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      top.dir ??= await openDir(top.path, stack.length > 1);
      const entry = await top.dir.read();
      if (entry === null) {
        await top.dir.close();
        top.dir = undefined;
        // Emptied as read: a directory that is not empty now was added to meanwhile; list it again.
        if (await removeDir(top.path, stack.length > 1)) stack.pop();
        continue;
      }
      const child = join(top.path, entry.name);
      if (!entry.isDirectory()) {
        await removeFile(child, true);
        continue;
      }
      stack.push({ path: child });
      const open = stack.filter((l) => l.dir);
      if (open.length >= MAX_OPEN) {
        await open[0]!.dir!.close();
        open[0]!.dir = undefined;
      }
    }
  } finally {
    for (const l of stack) await l.dir?.close().catch(() => {});
  }
}

/** `inTree` as for removeFile; a directory not listable may also sit in one not searchable. */
async function openDir(path: string, inTree: boolean): Promise<Dir> {
  try {
    return await opendir(path);
  } catch (err) {
    if (!denied(err)) throw err;
    if (inTree) await ownerMayWrite(dirname(path));
    await ownerMayWrite(path);
    return opendir(path);
  }
}

/** `inTree`: its parent is in the tree being removed, so may be made writable. */
async function removeFile(path: string, inTree: boolean): Promise<void> {
  await removeEntry(path, inTree, () => unlink(path));
}

/** False when the directory is not empty. */
async function removeDir(path: string, inTree: boolean): Promise<boolean> {
  try {
    await removeEntry(path, inTree, () => rmdir(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY') return false;
    throw err;
  }
}

async function removeEntry(path: string, inTree: boolean, remove: () => Promise<void>): Promise<void> {
  try {
    await remove();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (!inTree || !denied(err)) throw err;
    await ownerMayWrite(dirname(path));
    await remove();
  }
}

/** u+rwx on a directory (never a symlink: the walk reaches only real directories). */
async function ownerMayWrite(dir: string): Promise<void> {
  const { mode } = await stat(dir);
  await chmod(dir, (mode & 0o7777) | 0o700);
}

const denied = (err: unknown) => ['EACCES', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '');

function ignoreMissing(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw err;
}
