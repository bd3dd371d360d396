/**
 * TZif files (tzfile(5)) written from a description, for tests of the reader on files the tz
 * database does not ship: version 1, footers of every rule form, malformed headers.
 */

export interface TzifSpec {
  /** 0 (version 1: 32-bit data only), 2 or 3 (32-bit data, then a second header and 64-bit data, then the footer). */
  version?: 0 | 2 | 3;
  /** Local time types: offset east of UTC in seconds, daylight time, abbreviation. */
  types: ReadonlyArray<readonly [offset: number, isDST: boolean, abbreviation: string]>;
  /** Transitions: Unix seconds (within int32, so both blocks hold them), index of the type that starts. */
  transitions?: ReadonlyArray<readonly [at: number, type: number]>;
  /** The POSIX TZ string written between newlines after the 64-bit data (versions 2 and 3). */
  footer?: string;
  /** Leap second records to write (zero-filled): the reader must skip them. */
  leaps?: number;
}

export function tzif(spec: TzifSpec): Uint8Array {
  const version = spec.version ?? 2;
  const transitions = spec.transitions ?? [];
  const chars: number[] = [];
  const nameAt = spec.types.map(([, , name]) => {
    const at = chars.length;
    chars.push(...Buffer.from(name, 'latin1'), 0);
    return at;
  });
  const block = (size: 4 | 8) => {
    const header = Buffer.alloc(44);
    header.write('TZif', 0, 'latin1');
    header[4] = version === 0 ? 0 : 0x30 + version;
    // isut and isstd counts: one indicator per type, all zero.
    [spec.types.length, spec.types.length, spec.leaps ?? 0, transitions.length, spec.types.length, chars.length].forEach((n, i) => header.writeUInt32BE(n, 20 + i * 4));
    const times = Buffer.alloc(transitions.length * size);
    transitions.forEach(([at], i) => (size === 4 ? times.writeInt32BE(at, i * 4) : times.writeBigInt64BE(BigInt(at), i * 8)));
    const typeIndices = Buffer.from(transitions.map(([, type]) => type));
    const records = Buffer.alloc(spec.types.length * 6);
    spec.types.forEach(([offset, isDST], i) => {
      records.writeInt32BE(offset, i * 6);
      records[i * 6 + 4] = isDST ? 1 : 0;
      records[i * 6 + 5] = nameAt[i]!;
    });
    const leaps = Buffer.alloc((spec.leaps ?? 0) * (size + 4));
    const indicators = Buffer.alloc(spec.types.length * 2);
    return Buffer.concat([header, times, typeIndices, records, Buffer.from(chars), leaps, indicators]);
  };
  if (version === 0) return block(4);
  return Buffer.concat([block(4), block(8), Buffer.from(`\n${spec.footer ?? ''}\n`, 'latin1')]);
}
