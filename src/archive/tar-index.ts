/**
 * An image archive (a tar file: `docker save`'s, or an OCI layout's as `skopeo copy ...
 * oci-archive:` writes it) read in place, without extracting it: one pass over its headers,
 * seeking past each entry's data, records where every entry's bytes lie; a blob is then read
 * as a range of the file. Headers are parsed as the layer reader parses them (layers/tar), the
 * way Go's archive/tar does, since docker and skopeo write these archives with it.
 *
 * The archive is trusted no more than a layout directory: a name that is absolute or climbs
 * out with `..`, a name given twice (the lookup would be ambiguous), an entry under a name that
 * is not a directory, a sparse file, an entry whose data runs past the end of the file and an
 * archive without its end blocks are refused whole, before anything is read from it. Entries
 * are looked up only by exact (cleaned) name; a symlink is followed only where a caller asks
 * (a docker-save layer that repeats another), within the archive's own names.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { CtrimgError, failed, notFound } from '../errors.js';
import type { EntryType } from '../layers/tar/header.js';
import { Fields } from '../layers/tar/numbers.js';
import { parsePaxRecords } from '../layers/tar/pax.js';
import { applyPax, cstring, formatOf, parseBlock } from '../layers/tar/reader.js';

const BLOCK = 512;
/** Go's cap on a PAX header's or GNU long name's data, as the layer reader has it. */
const MAX_SPECIAL = 1 << 20;
/** No image archive has nearly as many; a hostile one is not indexed into memory without end. */
const MAX_ENTRIES = 100_000;
/** Symlinks followed from one name, as a layer repeated in a docker-save archive needs one. */
const MAX_LINK_HOPS = 8;
/** O_NONBLOCK where the platform has it: a FIFO given as the archive opens at once (then is refused). */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

const COMPRESSED: { name: string; magic: Buffer; tool: string }[] = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]), tool: 'gunzip' },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstd -d' },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xz -d' },
  { name: 'bzip2', magic: Buffer.from('BZh'), tool: 'bunzip2' },
];

export interface ArchiveEntry {
  /** Cleaned: no `./`, no doubled or trailing `/`. */
  name: string;
  /** Undefined for a type no image archive holds (a device, a FIFO, ...). */
  type: EntryType | undefined;
  /** A link's target as the header gives it. */
  linkname: string;
  /** Where the entry's data starts in the file. */
  offset: number;
  /** Bytes of data (0 for a link or directory). */
  size: number;
}

export class TarIndex {
  private constructor(
    /** The archive file. */
    readonly path: string,
    /** As messages name it: `oci-archive:<path>`, `docker-archive:<path>`. */
    readonly location: string,
    /** The file's size when it was indexed: a file that changed since is not read. */
    private readonly fileSize: number,
    private readonly entries: ReadonlyMap<string, ArchiveEntry>,
  ) {}

  /**
   * Indexes the archive at `path`; ARCHIVE_UNKNOWN (not found) when there is no such file,
   * ARCHIVE_INVALID when it is not an uncompressed tar archive this reads whole and safely.
   */
  static async open(path: string, location = `archive:${path}`): Promise<TarIndex> {
    const fh = await openArchive(path, location);
    try {
      const size = (await fh.stat()).size;
      return new TarIndex(path, location, size, await indexEntries(fh, size, (why) => archiveInvalid(location, why)));
    } finally {
      await fh.close();
    }
  }

  /** The entry of that name, cleaned as entry names are; undefined when there is none. */
  get(name: string): ArchiveEntry | undefined {
    const clean = cleanName(name);
    return clean === undefined ? undefined : this.entries.get(clean);
  }

  /** Whether the archive holds a directory of that name (an entry, or entries under it). */
  hasDirectory(name: string): boolean {
    const clean = cleanName(name);
    if (clean === undefined) return false;
    const own = this.entries.get(clean);
    if (own) return own.type === 'directory';
    for (const n of this.entries.keys()) if (n.startsWith(`${clean}/`)) return true;
    return false;
  }

  /**
   * The regular file `name` names; undefined when there is no such entry. A link or anything
   * else there is `invalid(why)`, unless `followLinks`: a symlink is then followed (relative to
   * its own directory, within the archive's names, a few hops at most) to the regular file it names.
   */
  file(name: string, invalid: (why: string) => Error, opts: { followLinks?: boolean } = {}): ArchiveEntry | undefined {
    let entry = this.get(name);
    for (let hops = 0; entry?.type === 'symlink' && opts.followLinks; hops++) {
      if (hops === MAX_LINK_HOPS) throw invalid(`${name} is a chain of more than ${MAX_LINK_HOPS} symlinks`);
      const target = linkTarget(entry);
      if (target === undefined) throw invalid(`${entry.name} is a symlink to '${entry.linkname.slice(0, 200)}', outside the archive`);
      entry = this.entries.get(target);
      if (!entry) throw invalid(`${name} is a symlink to '${target}', which the archive does not hold`);
    }
    if (entry === undefined) return undefined;
    if (entry.type === 'symlink' || entry.type === 'link') throw invalid(`${entry.name} is a link, not a file`);
    if (entry.type !== 'file') throw invalid(`${entry.name} is not a regular file`);
    return entry;
  }

  /** An entry's bytes from `start` on. */
  async stream(entry: ArchiveEntry, start = 0): Promise<Readable> {
    const fh = await this.reopen();
    if (entry.size === 0 || start >= entry.size) {
      await fh.close();
      return Readable.from([]);
    }
    return fh.createReadStream({ start: entry.offset + start, end: entry.offset + entry.size - 1 }) as Readable;
  }

  /** The first `n` bytes of an entry (fewer when it has fewer). */
  head(entry: ArchiveEntry, n: number): Promise<Buffer> {
    return this.read({ ...entry, size: Math.min(entry.size, n) }, n, entry.name);
  }

  /** An entry's bytes whole, at most `max` of them. */
  async read(entry: ArchiveEntry, max: number, what: string): Promise<Buffer> {
    if (entry.size > max) throw failed(`${what} is larger than ${max} bytes`, { code: 'BLOB_TOO_LARGE' });
    const fh = await this.reopen();
    try {
      const bytes = Buffer.alloc(entry.size);
      await readFully(fh, bytes, entry.offset, () => this.changed());
      return bytes;
    } finally {
      await fh.close();
    }
  }

  /** The archive opened again for a read; a file whose size is no longer the indexed one was changed meanwhile. */
  private async reopen(): Promise<FileHandle> {
    const fh = await openArchive(this.path, this.location);
    if ((await fh.stat()).size !== this.fileSize) {
      await fh.close();
      throw this.changed();
    }
    return fh;
  }

  private changed(): CtrimgError {
    return archiveInvalid(this.location, 'the file changed while it was being read');
  }
}

/** The archive's file name without its `.tar` (what images from it are recorded under by default). */
export function archiveBaseName(path: string): string {
  return basename(path).replace(/\.tar$/i, '') || basename(path);
}

export function archiveInvalid(location: string, why: string): CtrimgError {
  return failed(`${location} is not a valid image archive: ${why}`, {
    code: 'ARCHIVE_INVALID',
    hint: 'write the archive again; nothing was installed from it',
  });
}

/**
 * An entry name cleaned (`./`, empty and `.` components dropped; '' for the archive's root, the
 * `./` that `tar -C dir .` writes first), or undefined when it is absolute or has a `..`
 * component: such a name escapes wherever the archive is unpacked.
 */
export function cleanName(name: string): string | undefined {
  if (name.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}

/** The name a symlink entry points to, resolved from its own directory; undefined when that is outside the archive. */
function linkTarget(link: ArchiveEntry): string | undefined {
  if (link.linkname.startsWith('/')) return undefined;
  const parts = link.name.split('/').slice(0, -1);
  for (const part of link.linkname.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) return undefined;
  }
  return parts.length ? parts.join('/') : undefined;
}

/** The archive file, a regular file (a symlink to one is fine: the user named it). */
async function openArchive(path: string, location: string): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDONLY | NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw notFound(`${location}: no such file`, { code: 'ARCHIVE_UNKNOWN' });
    throw err;
  });
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw archiveInvalid(location, 'it is not a regular file');
  }
  return fh;
}

/** Fills `into` from `position`; `short()` is the error when the file ends first. */
async function readFully(fh: FileHandle, into: Buffer, position: number, short: () => Error): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw short();
    done += bytesRead;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every entry of the archive by cleaned name: one pass over the headers, each entry's data skipped. */
async function indexEntries(fh: FileHandle, fileSize: number, invalid: (why: string) => CtrimgError): Promise<Map<string, ArchiveEntry>> {
  const entries = new Map<string, ArchiveEntry>();
  const block = Buffer.alloc(BLOCK);
  const truncated = (what: string) => invalid(`${what} runs past the end of the file: the archive is truncated`);
  let pos = 0;
  let pax: Map<string, Buffer> | undefined;
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  let last: string | undefined;
  const where = () => (last === undefined ? 'the first entry' : `the entry after '${last}'`);

  const readBlock = async (what: () => string) => {
    if (pos + BLOCK > fileSize) throw pos === fileSize ? invalid('it has no end (two zero blocks): the archive is truncated') : truncated(what());
    await readFully(fh, block, pos, () => truncated(what()));
    pos += BLOCK;
  };
  const readSpecial = async (size: number, what: string) => {
    if (size > MAX_SPECIAL) throw invalid(`${what} is ${size} bytes long, more than the ${MAX_SPECIAL} a header entry may be`);
    const stored = Math.ceil(size / BLOCK) * BLOCK;
    if (pos + stored > fileSize) throw truncated(what);
    const data = Buffer.alloc(size);
    await readFully(fh, data, pos, () => truncated(what));
    pos += stored;
    return data;
  };

  const head = Buffer.alloc(Math.min(8, fileSize));
  await readFully(fh, head, 0, () => truncated(where()));
  const compressed = COMPRESSED.find((c) => head.subarray(0, c.magic.length).equals(c.magic));
  if (compressed) throw invalid(`it is ${compressed.name}-compressed; ctrimg reads uncompressed tar archives: decompress it first (${compressed.tool})`);
  for (;;) {
    await readBlock(where);
    if (block.every((b) => b === 0)) {
      // The end: two zero blocks, or one and the end of the file (as the layer reader takes it).
      if (pos === fileSize) break;
      await readBlock(where);
      if (block.every((b) => b === 0)) break;
      throw invalid(`${where()} follows a zero block`);
    }
    const format = formatOf(block);
    if (!format) {
      throw invalid(pos === BLOCK ? 'it is not a tar archive (its first header has a wrong checksum)' : `${where()} has a header whose checksum is wrong: the archive is corrupt`);
    }
    const fields = new Fields();
    const h = parseBlock(block, format, fields);
    const rawName = () => h.name.toString('utf8').slice(0, 200);
    if (fields.bad) throw invalid(`entry '${rawName()}' has a malformed ${fields.bad} field in its header`);
    if (h.typeflag === 'x' || h.typeflag === 'g') {
      const records = parsePaxRecords(await readSpecial(h.size, `entry '${rawName()}'`));
      if (typeof records === 'string') throw invalid(`entry '${rawName()}' is a malformed PAX header: ${records}`);
      if (h.typeflag === 'x') pax = records;
      continue;
    }
    if (h.typeflag === 'L' || h.typeflag === 'K') {
      const value = cstring(await readSpecial(h.size, `entry '${rawName()}'`), 0, Infinity);
      if (h.typeflag === 'L') longName = value;
      else longLink = value;
      continue;
    }
    if (pax) {
      const problem = applyPax(h, pax);
      if (problem) throw invalid(`entry '${rawName()}' ${problem}`);
    }
    if (longName) h.name = longName;
    if (longLink) h.linkname = longLink;
    const sparse = h.typeflag === 'S' || [...(pax?.keys() ?? [])].some((k) => k.startsWith('GNU.sparse.'));
    pax = longName = longLink = undefined;

    let name: string;
    let linkname: string;
    try {
      name = utf8.decode(h.name);
      linkname = utf8.decode(h.linkname);
    } catch {
      throw invalid(`${where()} has a name that is not UTF-8`);
    }
    const shown = name.slice(0, 200);
    const clean = cleanName(name);
    if (clean === undefined) throw invalid(`entry '${shown}' has a name that is absolute or climbs out with '..': the archive may be malicious`);
    if (sparse) throw invalid(`entry '${shown}' is a sparse file, which no image archive holds`);
    if (h.size < 0) throw invalid(`entry '${shown}' has a negative size`);
    const type = h.typeflag === '\0' && name.endsWith('/') ? 'directory' : h.type;
    const headerOnly = ['1', '2', '3', '4', '5', '6'].includes(h.typeflag) || type === 'directory';
    const size = headerOnly ? 0 : h.size;
    const stored = Math.ceil(size / BLOCK) * BLOCK;
    if (pos + stored > fileSize) throw truncated(`entry '${shown}'`);
    if (clean === '') {
      // The root itself: as a directory it names nothing docker or skopeo read.
      if (type !== 'directory') throw invalid(`entry '${shown}' names the archive's root but is not a directory`);
      pos += stored;
      continue;
    }
    const before = entries.get(clean);
    if (before && !(before.type === 'directory' && type === 'directory')) {
      throw invalid(`it holds '${clean.slice(0, 200)}' twice, so what the name means is ambiguous`);
    }
    if (entries.size >= MAX_ENTRIES) throw invalid(`it has more than ${MAX_ENTRIES} entries`);
    entries.set(clean, { name: clean, type, linkname, offset: pos, size });
    pos += stored;
    last = shown;
  }
  // Every directory on an entry's way must be a directory: no name runs through a file or a link.
  for (const name of entries.keys()) {
    for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
      const up = entries.get(name.slice(0, i));
      if (up && up.type !== 'directory') throw invalid(`'${name.slice(0, 200)}' lies under '${up.name}', which is not a directory`);
    }
  }
  return entries;
}
