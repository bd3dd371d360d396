/**
 * PAX extended header records: `<length> <key>=<value>\n`, the length counting the whole record,
 * so values may hold any byte (a binary `security.capability`, a name that is not UTF-8). Keys
 * are kept as byte strings (latin1, see ../byte-paths.ts), values as the bytes themselves.
 */
import { parseDecimal } from './numbers.js';

export const SPARSE_MAP = 'GNU.sparse.map';
const SPARSE_OFFSET = 'GNU.sparse.offset';
const SPARSE_NUMBYTES = 'GNU.sparse.numbytes';
/** Records whose value is text that may not hold a NUL (Go's validPAXRecord). */
const NUL_FREE = new Set(['path', 'linkpath', 'uname', 'gname']);

/**
 * Parses a PAX header's data; `undefined` when a record is malformed. GNU sparse 0.0 repeats
 * `GNU.sparse.offset` and `GNU.sparse.numbytes` in pairs, which a map cannot hold: as Go does,
 * they are joined into the `GNU.sparse.map` record that format 0.1 has.
 */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> | string {
  const records = new Map<string, Buffer>();
  const sparse: string[] = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) return 'a PAX record has no length';
    const length = parseDecimal(data.toString('latin1', pos, space));
    if (length === undefined || length < 5 || length > data.length - pos) return 'a PAX record has a bad length';
    const end = pos + length;
    if (end - 1 <= space || data[end - 1] !== 0x0a) return 'a PAX record does not end where its length says';
    const record = data.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) return 'a PAX record has no key';
    const key = record.toString('latin1', 0, eq);
    const value = record.subarray(eq + 1);
    if (NUL_FREE.has(key) ? value.includes(0) : key.includes('\0')) return `PAX record '${key}' holds a NUL byte`;
    if (key === SPARSE_OFFSET || key === SPARSE_NUMBYTES) {
      const text = value.toString('latin1');
      if ((key === SPARSE_OFFSET) !== (sparse.length % 2 === 0) || text.includes(',')) {
        return 'the GNU sparse 0.0 offset and numbytes records are out of order';
      }
      sparse.push(text);
    } else {
      records.set(key, value);
    }
    pos = end;
  }
  if (sparse.length > 0) records.set(SPARSE_MAP, Buffer.from(sparse.join(','), 'latin1'));
  return records;
}
