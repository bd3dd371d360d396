/**
 * A tar archive written to a file: to a temp file beside the target, renamed into place only
 * when it is finished, so a save broken off never leaves a half archive under the final name
 * (nor replaces the archive that was there). Entries go one after another, headers encoded by
 * layers/tar/writer.ts. An entry whose size (or name) is known only once its data is written (a
 * layer decompressed on the way, a blob hashed on the way) gets a header that is written again in
 * place afterwards: memory stays flat and no byte is spooled twice. A size beyond the ustar
 * field's 8 GiB is written in base-256, as GNU tar and Go's archive/tar write and read it.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { diskFull, failed } from '../errors.js';
import type { EntryType } from '../layers/tar/header.js';
import { BLOCK, encodeHeader, END_OF_ARCHIVE, padding } from '../layers/tar/writer.js';

/** The largest size the ustar field holds in octal (11 digits). */
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

export interface TarFileOptions {
  /** Replace a file already at the target (when finished); without it, one there is refused. */
  overwrite?: boolean;
}

/** Where an entry's header lies, to be written again once its name or size is known. */
export interface PendingEntry {
  readonly headerAt: number;
  readonly type: EntryType;
}

export class TarFile {
  private pos = 0;
  private done = false;

  private constructor(
    private readonly target: string,
    private readonly temp: string,
    private readonly fh: FileHandle,
    private readonly opts: TarFileOptions,
  ) {}

  /** Starts the archive for `target`; ARCHIVE_EXISTS when a file is there and `overwrite` is not given. */
  static async create(target: string, opts: TarFileOptions = {}): Promise<TarFile> {
    await refuseExisting(target, opts);
    const temp = join(dirname(target), `.${basename(target)}.ctrimg-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    const fh = await open(temp, 'wx', 0o644).catch((err: unknown) => {
      throw diskFull(err, `cannot write ${target}`, dirname(target)) ?? err;
    });
    return new TarFile(target, temp, fh, opts);
  }

  /** Where the next entry starts: what rewind() goes back to. */
  get position(): number {
    return this.pos;
  }

  async addFile(name: string, bytes: Buffer): Promise<void> {
    await this.write(encodeHeader({ ...entryDefaults(name, 'file'), size: bytes.length }));
    await this.write(bytes);
    await this.write(padding(bytes.length));
  }

  async addSymlink(name: string, target: string): Promise<void> {
    await this.write(encodeHeader({ ...entryDefaults(name, 'symlink'), size: 0, linkname: target }));
  }

  async addDirectory(name: string): Promise<void> {
    await this.write(encodeHeader({ ...entryDefaults(name, 'directory'), mode: 0o755, size: 0 }));
  }

  /** A file entry of `size` bytes from `chunks`; fails (and the caller rewinds) when they are more or fewer. */
  async addSized(name: string, size: number, chunks: AsyncIterable<Buffer>): Promise<void> {
    const header = encodeHeader({ ...entryDefaults(name, 'file'), size });
    await this.write(header);
    const written = await this.writeAll(chunks);
    if (written !== size) throw failed(`${name}: ${written} bytes were written, ${size} expected`, { code: 'SIZE_MISMATCH' });
    await this.write(padding(size));
  }

  /**
   * A file entry whose size is learned from its data; `name` is a placeholder of the final
   * name's length when that is learned too (see settle()). One ustar block is its whole header.
   */
  async addUnsized(name: string, chunks: AsyncIterable<Buffer>): Promise<{ entry: PendingEntry; size: number }> {
    const entry: PendingEntry = { headerAt: this.pos, type: 'file' };
    await this.write(ustarOnly(name, 'file'));
    const size = await this.writeAll(chunks);
    await this.write(padding(size));
    await this.settle(entry, name, size);
    return { entry, size };
  }

  /** Writes an entry's header again, with its final name (of the placeholder's length, under 100 bytes) and size. */
  async settle(entry: PendingEntry, name: string, size: number): Promise<void> {
    const header = ustarOnly(name, entry.type);
    setSize(header, size);
    await this.fh.write(header, 0, BLOCK, entry.headerAt);
  }

  /** Drops everything from `position` on (an entry whose bytes turned out wrong, to be written again). */
  async rewind(position: number): Promise<void> {
    await this.fh.truncate(position);
    this.pos = position;
  }

  /** Ends the archive, syncs it and renames it into place. */
  async finish(): Promise<void> {
    try {
      await this.write(END_OF_ARCHIVE);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    this.done = true;
    // Checked again: a file that appeared at the target meanwhile is not replaced unasked.
    await refuseExisting(this.target, this.opts).catch(async (err: unknown) => {
      await rm(this.temp, { force: true });
      throw err;
    });
    await rename(this.temp, this.target);
  }

  /** Removes the temp file: nothing is left of an archive not finished. Safe to call after finish(). */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => {});
    await rm(this.temp, { force: true });
  }

  private async writeAll(chunks: AsyncIterable<Buffer>): Promise<number> {
    let n = 0;
    for await (const chunk of chunks) {
      await this.write(chunk);
      n += chunk.length;
    }
    return n;
  }

  private async write(bytes: Buffer): Promise<void> {
    let off = 0;
    try {
      while (off < bytes.length) {
        const { bytesWritten } = await this.fh.write(bytes, off, bytes.length - off, this.pos);
        off += bytesWritten;
        this.pos += bytesWritten;
      }
    } catch (err) {
      throw diskFull(err, `cannot write ${this.target}`, dirname(this.target)) ?? err;
    }
  }
}

async function refuseExisting(target: string, opts: TarFileOptions): Promise<void> {
  if (opts.overwrite) return;
  if (await lstat(target).then(() => true, () => false)) {
    throw failed(`${target} exists already`, { code: 'ARCHIVE_EXISTS', hint: 'choose another file, or have it replaced' });
  }
}

function entryDefaults(name: string, type: EntryType) {
  return { name, type, mode: 0o644, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } };
}

/** A one-block ustar header of size 0: a name that fits ustar's 100 bytes needs no PAX header. */
function ustarOnly(name: string, type: EntryType): Buffer {
  if (Buffer.byteLength(name) >= 100) throw new Error(`tar entry name '${name}' does not fit one ustar header`);
  return encodeHeader({ ...entryDefaults(name, type), size: 0 });
}

/** Writes `size` into a ustar header (octal, or base-256 beyond it) and its checksum again. */
function setSize(header: Buffer, size: number): void {
  const field = header.subarray(124, 136);
  if (size <= MAX_OCTAL_SIZE) {
    field.write(`${size.toString(8).padStart(11, '0')}\0`, 'latin1');
  } else {
    field.fill(0);
    field[0] = 0x80;
    let n = BigInt(size);
    for (let i = 11; i >= 1; i--, n >>= 8n) field[i] = Number(n & 0xffn);
  }
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
