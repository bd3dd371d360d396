/**
 * Tar headers as ctrimg writes them: ustar blocks, with a PAX extended header before an entry
 * whenever a field does not fit ustar (a name or link target over 100 bytes, an owner, size or
 * time out of octal range), a time has nanoseconds, or the entry has extended attributes
 * (`SCHILY.xattr.<name>`, as Go's archive/tar, GNU tar and umoci write them). Names are byte
 * strings (../byte-paths.ts) and are written as their bytes. What Go's reader (reader.ts here)
 * and GNU tar read back is exactly what was given.
 */
import { fsPath, type BytePath } from '../byte-paths.js';
import type { EntryType, Timestamp } from './header.js';

export const BLOCK = 512;
/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

export interface WriteHeader {
  /** The entry's path inside the layer, without a leading `/`; a directory's gets a `/` appended here. */
  name: BytePath;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (a regular file's); 0 for every other type. */
  size: number;
  mtime: Timestamp;
  /** A symlink's target or a hard link's first name. */
  linkname?: BytePath;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<BytePath, Buffer>;
}

const TYPEFLAG: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

/** The largest number a ustar octal field of `width` bytes holds (width-1 digits and a NUL). */
const maxOctal = (width: number) => 8 ** (width - 1) - 1;

/** The header blocks of one entry: a PAX header (with its data) if one is needed, then the ustar header. */
export function encodeHeader(h: WriteHeader): Buffer {
  const name = fsPath(h.type === 'directory' && !h.name.endsWith('/') ? `${h.name}/` : h.name);
  const linkname = fsPath(h.linkname ?? '');
  const pax = new Map<string, Buffer>();
  if (name.length > 100) pax.set('path', name);
  if (linkname.length > 100) pax.set('linkpath', linkname);
  for (const [field, value, width] of [['uid', h.uid, 8], ['gid', h.gid, 8], ['size', h.size, 12]] as const) {
    if (value > maxOctal(width)) pax.set(field, Buffer.from(String(value)));
  }
  const inRange = h.mtime.sec >= 0 && h.mtime.sec <= maxOctal(12);
  if (h.mtime.nsec !== 0 || !inRange) pax.set('mtime', Buffer.from(paxTime(h.mtime)));
  for (const [key, value] of h.xattrs ?? []) pax.set(`SCHILY.xattr.${key}`, value);

  const ustar = ustarBlock({
    name: name.length > 100 ? name.subarray(0, 100) : name,
    linkname: linkname.length > 100 ? linkname.subarray(0, 100) : linkname,
    typeflag: TYPEFLAG[h.type],
    mode: h.mode & 0o7777,
    uid: h.uid > maxOctal(8) ? 0 : h.uid,
    gid: h.gid > maxOctal(8) ? 0 : h.gid,
    size: h.size > maxOctal(12) ? 0 : h.size,
    mtime: inRange ? h.mtime.sec : 0,
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  });
  if (pax.size === 0) return ustar;
  const data = paxRecords(pax);
  const paxHeader = ustarBlock({
    // As Go names it: the entry's base name under PaxHeaders.0, cut to fit.
    name: Buffer.concat([Buffer.from('PaxHeaders.0/'), baseName(name)]).subarray(0, 100),
    linkname: Buffer.alloc(0),
    typeflag: 'x',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: 0,
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, data, padding(data.length), ustar]);
}

/** Zero bytes that fill `size` bytes of data up to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

interface UstarFields {
  name: Buffer;
  linkname: Buffer;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

function ustarBlock(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  f.name.copy(b, 0);
  octal(b, 100, 8, f.mode);
  octal(b, 108, 8, f.uid);
  octal(b, 116, 8, f.gid);
  octal(b, 124, 12, f.size);
  octal(b, 136, 12, f.mtime);
  b.write(f.typeflag, 156, 'latin1');
  f.linkname.copy(b, 157);
  b.write('ustar\u000000', 257, 'latin1');
  octal(b, 329, 8, f.devmajor);
  octal(b, 337, 8, f.devminor);
  // The checksum is summed with its own field as spaces, then written as 6 digits, NUL, space.
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return b;
}

function octal(b: Buffer, offset: number, width: number, value: number): void {
  b.write(value.toString(8).padStart(width - 1, '0'), offset, 'latin1');
}

function baseName(name: Buffer): Buffer {
  let end = name.length;
  while (end > 0 && name[end - 1] === 0x2f) end--;
  return name.subarray(name.lastIndexOf(0x2f, end - 1) + 1, end);
}

/** `<length> <key>=<value>\n` records in key order, the length counting the whole record. */
function paxRecords(records: Map<string, Buffer>): Buffer {
  const out: Buffer[] = [];
  for (const key of [...records.keys()].sort()) {
    const value = records.get(key)!;
    const rest = Buffer.byteLength(key, 'latin1') + value.length + 3;
    let length = rest + String(rest).length;
    if (String(length).length !== String(rest).length) length = rest + String(length).length;
    out.push(Buffer.from(`${length} ${key}=`, 'latin1'), value, Buffer.from('\n'));
  }
  return Buffer.concat(out);
}

/** A PAX time: `seconds[.fraction]`, the fraction counting away from zero before 1970 (as Go writes it). */
export function paxTime(t: Timestamp): string {
  let { sec, nsec } = t;
  let sign = '';
  if (sec < 0 && nsec > 0) {
    sign = '-';
    sec = -(sec + 1);
    nsec = 1e9 - nsec;
  } else if (sec < 0) {
    sign = '-';
    sec = -sec;
  }
  const fraction = nsec === 0 ? '' : `.${String(nsec).padStart(9, '0').replace(/0+$/, '')}`;
  return `${sign}${sec}${fraction}`;
}
