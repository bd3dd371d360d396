/**
 * A tiny tar block writer for hand-built archives: headers with exactly the bytes a test needs
 * (base-256 numbers, GNU magic with a prefix, a bad checksum), PAX data and padded entries.
 */

export interface BlockFields {
  name?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** Seconds, written in octal; or the raw 12 bytes of the field. */
  mtime?: number | Buffer;
  typeflag?: string;
  linkname?: string | Buffer;
  /** ustar (the default), GNU ("ustar  \0") or v7 (no magic). */
  magic?: 'ustar' | 'gnu' | 'v7';
  /** Bytes at offset 345: ustar's prefix, GNU's atime and ctime. */
  at345?: string | Buffer;
  /** Breaks the checksum. */
  badChecksum?: boolean;
}

function put(block: Buffer, at: number, length: number, value: string | Buffer) {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (bytes.length > length) throw new Error(`field at ${at} holds ${length} bytes, not ${bytes.length}`);
  bytes.copy(block, at);
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';

/** `n` in GNU base-256: two's complement over the field, its first bit set. */
export function base256(n: bigint, width = 12): Buffer {
  const out = Buffer.alloc(width);
  let x = BigInt.asUintN(width * 8, n);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  out[0]! |= 0x80;
  return out;
}

export function headerBlock(f: BlockFields): Buffer {
  const b = Buffer.alloc(512);
  put(b, 0, 100, f.name ?? 'file');
  put(b, 100, 8, octal(f.mode ?? 0o644, 8));
  put(b, 108, 8, octal(f.uid ?? 0, 8));
  put(b, 116, 8, octal(f.gid ?? 0, 8));
  put(b, 124, 12, octal(f.size ?? 0, 12));
  put(b, 136, 12, typeof f.mtime === 'object' ? f.mtime : octal(f.mtime ?? 0, 12));
  put(b, 156, 1, f.typeflag ?? '0');
  put(b, 157, 100, f.linkname ?? '');
  const magic = f.magic ?? 'ustar';
  if (magic === 'ustar') put(b, 257, 8, 'ustar\x0000');
  if (magic === 'gnu') put(b, 257, 8, 'ustar  \0');
  if (f.at345 !== undefined) put(b, 345, 155, f.at345);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  put(b, 148, 8, octal(f.badChecksum ? sum + 1 : sum, 7) + ' ');
  return b;
}

const padding = (n: number) => Buffer.alloc(-n & 511);

/** A header and its data, padded to whole blocks; the size field says the data's length. */
export function entry(f: BlockFields, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([headerBlock({ size: bytes.length, ...f }), bytes, padding(bytes.length)]);
}

/** PAX records, each with its correct length prefix. */
export function paxData(records: [string, string | Buffer][]): Buffer {
  return Buffer.concat(
    records.map(([key, value]) => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
      let length = body.length + 1;
      while (String(length).length + body.length !== length) length++;
      return Buffer.concat([Buffer.from(String(length)), body]);
    }),
  );
}

/** The end-of-archive marker: two zero blocks. */
export const END = Buffer.alloc(1024);
