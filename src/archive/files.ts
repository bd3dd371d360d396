/**
 * Opening and reading files of an OCI layout directory that ctrimg did not make, as neither
 * the reader nor the writer trusts it: never through a symlink (O_NOFOLLOW, or lstat where the
 * platform has no such flag), never a FIFO or device (O_NONBLOCK, so opening a FIFO does not
 * wait for a writer forever, then fstat), and never more bytes than a cap.
 */
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { failed } from '../errors.js';

/** O_NOFOLLOW where the platform has it (not on Windows, where lstat checks the file instead). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** O_NONBLOCK where the platform has it: regular files read the same, a FIFO opens at once. */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Opens a regular file for reading; `invalid(why)` makes the error for anything else. ENOENT passes through. */
export async function openRegular(path: string, invalid: (why: string) => Error): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDONLY | NOFOLLOW | NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    // O_NOFOLLOW on a symlink: ELOOP (Linux), EMLINK (FreeBSD).
    if (err.code === 'ELOOP' || err.code === 'EMLINK') throw invalid(`${path} is a symlink`);
    throw err;
  });
  try {
    const [st, lst] = await Promise.all([fh.stat(), NOFOLLOW ? undefined : lstat(path)]);
    if (!st.isFile() || lst?.isSymbolicLink()) throw invalid(`${path} is not a regular file`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** At most `max` bytes of an open file, which is closed. */
export async function readCapped(fh: FileHandle, max: number, what: string): Promise<Buffer> {
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of fh.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) throw failed(`${what} is larger than ${max} bytes`, { code: 'BLOB_TOO_LARGE' });
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } finally {
    await fh.close();
  }
}

/** Whether `path` is a directory itself, not a symlink to one. */
export async function isRealDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
}
