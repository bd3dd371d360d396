/**
 * ctrimg's tar reader: a layer read the way Go's archive/tar reads it (reader.go, format.go),
 * since containerd and umoci, whose trees ctrimg must match, both use it. Formats: v7, ustar
 * (with its name prefix), PAX (records with binary values; global headers returned as their own
 * entry and never applied to later ones), GNU (long names and link targets, base-256 numbers,
 * the old 'S' sparse header), star, and the pre-Go-1.8 writers' ustar prefix under GNU magic.
 *
 * Streaming: entries come one at a time, and an entry's data is handed on as it is read, in
 * views of the input's chunks; data the consumer leaves unread is skipped when it asks for the
 * next entry. Breaking out of the loop, or a failure, destroys the input.
 */
import type { Readable } from 'node:stream';
import { fromBuffer, shown } from '../byte-paths.js';
import { invalid } from '../paths.js';
import type { EntryType, SparseRun, TarHeader, Timestamp } from './header.js';
import { Fields, parseDecimal, parsePaxTime } from './numbers.js';
import { parsePaxRecords } from './pax.js';
import { ByteSource } from './source.js';
import {
  checkSparseRuns,
  GNU_EXTENSION_RUNS,
  GNU_HEADER_RUNS,
  gnuSparseRuns,
  MAX_SPARSE_RUNS,
  paxSparseMap,
  paxSparseSize,
  paxSparseVersion,
  readSparseMap1,
} from './sparse.js';

/** One entry: its header, and (iterated once, before the next entry is asked for) its data. */
export interface TarEntry extends AsyncIterable<Buffer> {
  readonly header: TarHeader;
}

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
/** Go's cap on the data of a PAX header or a GNU long name. */
const MAX_SPECIAL = 1 << 20;

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  S: 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};
/** Types whose size field says nothing about data: none follows the header (Go's isHeaderOnlyType). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

export type Format = 'v7' | 'ustar' | 'gnu' | 'star';

const same = (b: Buffer, at: number, ascii: string) => {
  for (let i = 0; i < ascii.length; i++) if (b[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
};

/** The format of a header block, or undefined when its checksum (unsigned or signed sum) is wrong. */
export function formatOf(b: Buffer): Format | undefined {
  const p = new Fields();
  const want = p.octal(b.subarray(148, 156), 'checksum');
  if (p.bad) return undefined;
  // The checksum field counts as spaces. Signed sums (some old writers) count bytes >= 0x80 as negative.
  let unsigned = 8 * 0x20;
  let high = 0;
  for (let i = 0; i < BLOCK; i++) {
    if (i === 148) i = 156;
    const c = b[i]!;
    unsigned += c;
    if (c >= 0x80) high++;
  }
  if (want !== unsigned && want !== unsigned - 0x100 * high) return undefined;
  if (same(b, 257, 'ustar\0')) return same(b, 508, 'tar\0') ? 'star' : 'ustar';
  if (same(b, 257, 'ustar  \0')) return 'gnu';
  return 'v7';
}

const NO_BYTES = Buffer.alloc(0);

/** The end of a NUL-terminated field. */
function fieldEnd(b: Buffer, at: number, length: number): number {
  const end = Math.min(at + length, b.length);
  const nul = b.indexOf(0, at);
  return nul < 0 || nul > end ? end : nul;
}

/** Bytes up to the first NUL, copied so that a header kept by the consumer does not hold the input's chunk. */
export function cstring(b: Buffer, at: number, length: number): Buffer {
  const end = fieldEnd(b, at, length);
  return end === at ? NO_BYTES : Buffer.from(b.subarray(at, end));
}

const text = (b: Buffer, at: number, length: number) => b.toString('utf8', at, fieldEnd(b, at, length));

const isAscii = (b: Buffer) => b.every((c) => c < 0x80);
const seconds = (sec: number): Timestamp => ({ sec, nsec: 0 });

/** The fields of one header block, before PAX records, long names and sparse maps apply. */
export function parseBlock(b: Buffer, format: Format, p: Fields): TarHeader {
  const typeflag = String.fromCharCode(b[156]!);
  const h: TarHeader = {
    name: cstring(b, 0, 100),
    linkname: cstring(b, 157, 100),
    type: TYPES[typeflag],
    typeflag,
    mode: p.numeric(b.subarray(100, 108), 'mode') & 0o7777,
    uid: p.numeric(b.subarray(108, 116), 'uid'),
    gid: p.numeric(b.subarray(116, 124), 'gid'),
    uname: '',
    gname: '',
    size: p.numeric(b.subarray(124, 136), 'size'),
    mtime: seconds(p.numeric(b.subarray(136, 148), 'mtime')),
    devmajor: 0,
    devminor: 0,
    pax: new Map(),
    xattrs: new Map(),
  };
  if (format === 'v7') return h;
  h.uname = text(b, 265, 32);
  h.gname = text(b, 297, 32);
  h.devmajor = p.numeric(b.subarray(329, 337), 'devmajor');
  h.devminor = p.numeric(b.subarray(337, 345), 'devminor');
  let prefix: Buffer | undefined;
  if (format === 'ustar') {
    prefix = cstring(b, 345, 155);
  } else if (format === 'star') {
    prefix = cstring(b, 345, 131);
    h.atime = seconds(p.numeric(b.subarray(476, 488), 'atime'));
  } else {
    // GNU has atime and ctime where ustar has its prefix. Go before 1.8 wrote a prefix there
    // under GNU magic: when those fields do not parse and the bytes look like a name, they are one.
    const times = new Fields();
    const atime = b[345] !== 0 ? times.numeric(b.subarray(345, 357), 'atime') : undefined;
    if (b[357] !== 0) times.numeric(b.subarray(357, 369), 'ctime');
    if (times.bad) {
      const s = cstring(b, 345, 155);
      if (isAscii(s)) prefix = s;
    } else if (atime !== undefined) {
      h.atime = seconds(atime);
    }
  }
  if (prefix && prefix.length > 0) h.name = Buffer.concat([prefix, Buffer.from('/'), h.name]);
  return h;
}

const XATTR = 'SCHILY.xattr.';
const LIBARCHIVE_XATTR = 'LIBARCHIVE.xattr.';

/**
 * libarchive's spelling of an extended attribute: the name URL-encoded (%XX) and the value in
 * base64. Undefined when either is malformed: Go and containerd ignore these records, so a bad
 * one is skipped rather than refused.
 */
function libarchiveXattr(encodedName: string, value: Buffer): [string, Buffer] | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(encodedName)) return undefined;
  const name = encodedName.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const b64 = value.toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) return undefined;
  return [name, Buffer.from(b64, 'base64')];
}

/** Applies an entry's PAX records as Go's mergePAX does (an empty value keeps the header's); returns a problem. */
export function applyPax(h: TarHeader, pax: Map<string, Buffer>): string | undefined {
  h.pax = pax;
  const libarchive: [string, Buffer][] = [];
  for (const [key, value] of pax) {
    if (key.startsWith(XATTR)) {
      // containerd applies every SCHILY.xattr record, empty values included.
      h.xattrs.set(key.slice(XATTR.length), value);
      continue;
    }
    if (key.startsWith(LIBARCHIVE_XATTR)) {
      const xattr = libarchiveXattr(key.slice(LIBARCHIVE_XATTR.length), value);
      if (xattr) libarchive.push(xattr);
      continue;
    }
    if (value.length === 0) continue;
    const s = () => value.toString('latin1');
    switch (key) {
      case 'path':
        h.name = value;
        break;
      case 'linkpath':
        h.linkname = value;
        break;
      case 'uname':
        h.uname = value.toString('utf8');
        break;
      case 'gname':
        h.gname = value.toString('utf8');
        break;
      case 'uid':
      case 'gid':
      case 'size': {
        const n = parseDecimal(s());
        if (n === undefined) return `has a malformed PAX ${key} record`;
        h[key] = n;
        break;
      }
      case 'mtime':
      case 'atime': {
        const t = parsePaxTime(s());
        if (!t) return `has a malformed PAX ${key} record`;
        h[key] = t;
        break;
      }
      case 'ctime':
        if (!parsePaxTime(s())) return 'has a malformed PAX ctime record';
        break;
    }
  }
  // Where both spellings name one attribute, libarchive itself writes the same value; SCHILY's wins.
  for (const [name, value] of libarchive) if (!h.xattrs.has(name)) h.xattrs.set(name, value);
  return undefined;
}

/**
 * Reads `input` as a tar archive. Errors in the archive are CtrimgErrors with code INVALID_TAR
 * naming the entry; errors of the input itself are passed on as they are. After the end of the
 * archive (two zero blocks, or one and the end of the input) the rest of the input is read and
 * ignored, so that a digest computed over it sees every byte.
 */
export async function* readTar(input: Readable): AsyncGenerator<TarEntry, void, undefined> {
  const src = new ByteSource(input);
  /** Stored bytes of the current entry not yet read, and the padding after them. */
  let remaining = 0;
  let padding = 0;
  let current: symbol | undefined;
  let last: Buffer | undefined;
  const where = () => (last ? `the entry after '${shown(fromBuffer(last))}'` : 'the first entry');
  const named = (name: Buffer) => `entry '${shown(fromBuffer(name))}'`;

  const truncated = (subject: string) => invalid(subject, 'is cut short: the archive ends inside it');

  /** Skips the rest of the current entry's data and its padding. */
  const finishEntry = async (subject: () => string) => {
    current = undefined;
    let want = remaining + padding;
    remaining = padding = 0;
    want -= src.skipNow(want);
    if (want > 0 && (await src.skip(want)) < want) throw truncated(subject());
  };

  /** The whole data of a special entry (PAX header, long name), with its padding. */
  const readSpecial = async (size: number, subject: () => string) => {
    if (size > MAX_SPECIAL) throw invalid(subject(), `is ${size} bytes long, more than the ${MAX_SPECIAL} a header entry may be`);
    const data = src.readNow(size) ?? (await src.read(size));
    if (data.length < size) throw truncated(subject());
    remaining = 0;
    padding = -size & (BLOCK - 1);
    await finishEntry(subject);
    return Buffer.from(data);
  };

  /** A data iterator valid until the next entry is asked for (written out: an async generator per entry costs). */
  const dataOf = (token: symbol, subject: () => string) => (): AsyncIterator<Buffer> => {
    if (current !== token) throw new Error(`the data of ${subject()} was read after the next entry was asked for`);
    return {
      next: async () => {
        if (current !== token || remaining <= 0) return { done: true, value: undefined };
        const chunk = await src.take(remaining);
        if (!chunk) throw truncated(subject());
        remaining -= chunk.length;
        return { done: false, value: chunk };
      },
    };
  };

  try {
    let pax: Map<string, Buffer> | undefined;
    let longName: Buffer | undefined;
    let longLink: Buffer | undefined;
    for (;;) {
      const block = src.readNow(BLOCK) ?? (await src.read(BLOCK));
      if (block.length === 0) break;
      if (block.length < BLOCK) throw truncated(where());
      if (block.equals(ZERO_BLOCK)) {
        const second = await src.read(BLOCK);
        if (second.length === 0 || second.equals(ZERO_BLOCK)) break;
        if (second.length < BLOCK) throw truncated(where());
        throw invalid(where(), 'follows a zero block in the archive');
      }
      const format = formatOf(block);
      if (!format) throw invalid(where(), 'has a header whose checksum is wrong: this is not a tar archive, or it is corrupt');
      const p = new Fields();
      const h = parseBlock(block, format, p);
      if (p.bad) throw invalid(named(h.name), `has a malformed ${p.bad} field in its header`);
      if (h.size < 0) throw invalid(named(h.name), 'has a negative size');

      if (h.typeflag === 'x' || h.typeflag === 'g') {
        const subject = () => named(h.name);
        const records = parsePaxRecords(await readSpecial(h.size, subject));
        if (typeof records === 'string') throw invalid(subject(), `is a malformed PAX header: ${records}`);
        if (h.typeflag === 'x') {
          pax = records;
          continue;
        }
        // A global header is an entry of its own, as Go returns it; its records apply to nothing
        // after it. Go merges them into its own fields and ignores what does not parse there.
        applyPax(h, records);
        const token = Symbol('entry');
        current = token;
        yield { header: { ...h, size: 0, type: undefined }, [Symbol.asyncIterator]: dataOf(token, subject) };
        await finishEntry(subject);
        pax = longName = longLink = undefined;
        last = h.name;
        continue;
      }
      if (h.typeflag === 'L' || h.typeflag === 'K') {
        const value = cstring(await readSpecial(h.size, () => named(h.name)), 0, Infinity);
        if (h.typeflag === 'L') longName = value;
        else longLink = value;
        continue;
      }

      if (pax) {
        const problem = applyPax(h, pax);
        if (problem) throw invalid(named(h.name), problem);
      }
      if (longName) h.name = longName;
      if (longLink) h.linkname = longLink;
      pax = longName = longLink = undefined;
      // The old convention: a file type '\0' whose name ends in '/' is a directory.
      if (h.typeflag === '\0' && h.name[h.name.length - 1] === 0x2f) h.type = 'directory';
      // Only the rare paths below (and errors) need the entry's name for messages.
      const subject = () => named(h.name);
      if (h.size < 0) throw invalid(subject(), 'has a negative size');
      // Go makes that directory a TypeDir first, so its size field says nothing about data either.
      const headerOnly = HEADER_ONLY.has(h.typeflag) || h.type === 'directory';
      const stored = headerOnly ? 0 : h.size;
      remaining = stored;
      padding = -stored & (BLOCK - 1);

      let runs: SparseRun[] | undefined;
      if (h.typeflag === 'S') {
        if (format !== 'gnu') throw invalid(subject(), "is a GNU sparse file ('S') without GNU magic");
        const sp = new Fields();
        h.size = sp.numeric(block.subarray(483, 495), 'real size');
        runs = [];
        let more = gnuSparseRuns(block, GNU_HEADER_RUNS, runs, sp);
        while (more && !sp.bad) {
          if (runs.length > MAX_SPARSE_RUNS) throw invalid(subject(), `has more than ${MAX_SPARSE_RUNS} runs in its sparse map`);
          const ext = await src.read(BLOCK);
          if (ext.length < BLOCK) throw truncated(subject());
          more = gnuSparseRuns(ext, GNU_EXTENSION_RUNS, runs, sp);
        }
        if (sp.bad) throw invalid(subject(), `has a malformed ${sp.bad} field in its sparse map`);
      } else if (h.pax.size > 0) {
        const version = paxSparseVersion(h.pax);
        if (version) {
          const realName = h.pax.get('GNU.sparse.name');
          if (realName && realName.length > 0) h.name = realName;
          const size = paxSparseSize(h.pax);
          if (size !== undefined) {
            if (Number.isNaN(size) || size < 0) throw invalid(subject(), 'has a malformed GNU sparse size record');
            h.size = size;
          }
          if (version === '1.0') {
            const map = await readSparseMap1(async () => {
              if (remaining < BLOCK) return undefined;
              const b = await src.read(BLOCK);
              if (b.length < BLOCK) throw truncated(subject());
              remaining -= BLOCK;
              return b;
            });
            if (typeof map === 'string') throw invalid(subject(), map);
            runs = map;
          } else {
            runs = paxSparseMap(h.pax);
            if (!runs) throw invalid(subject(), 'has a malformed GNU sparse map record');
          }
        }
      }
      if (runs) {
        if (headerOnly) throw invalid(subject(), 'has a sparse map but is not a file');
        const problem = checkSparseRuns(runs, h.size, remaining);
        if (problem) throw invalid(subject(), problem);
        // Empty runs carry no data (GNU tar ends a map that ends in a hole with one).
        h.sparse = runs.filter((r) => r.length > 0);
      }

      const token = Symbol('entry');
      current = token;
      yield { header: h, [Symbol.asyncIterator]: dataOf(token, subject) };
      await finishEntry(subject);
      last = h.name;
    }
    current = undefined;
    await src.drain();
  } finally {
    current = undefined;
    await src.close();
  }
}
