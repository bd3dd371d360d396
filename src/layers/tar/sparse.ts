/**
 * Sparse file maps, in the four spellings GNU tar writes and Go's archive/tar reads: the old GNU
 * 'S' header (four runs in the header, 21 more in each extension block), PAX 0.0 (offset and
 * numbytes records, joined into a map by pax.ts), PAX 0.1 (`GNU.sparse.map`) and PAX 1.0 (the
 * map at the start of the entry's data, in 512-byte blocks). The entry's stored data is then
 * the runs' bytes one after another.
 */
import type { SparseRun } from './header.js';
import { Fields, parseDecimal } from './numbers.js';
import { SPARSE_MAP } from './pax.js';

/**
 * The most runs a sparse map may have: a hostile map (old GNU extension blocks repeat well, so
 * a small compressed layer can hold millions) must not make the reader hold gigabytes. GNU tar
 * writes a run per hole, so a real file with this many holes is beyond any layer.
 */
export const MAX_SPARSE_RUNS = 1 << 20;

/** Where the runs sit in an old GNU header block and in an extension block. */
export const GNU_HEADER_RUNS = { at: 386, count: 4, extended: 482 };
export const GNU_EXTENSION_RUNS = { at: 0, count: 21, extended: 504 };

/**
 * Appends the runs of one block to `runs`; returns whether an extension block follows. A run
 * whose offset field starts with NUL ends the list, as in GNU and BSD tar.
 */
export function gnuSparseRuns(block: Buffer, layout: typeof GNU_HEADER_RUNS, runs: SparseRun[], p: Fields): boolean {
  for (let i = 0; i < layout.count; i++) {
    const at = layout.at + i * 24;
    if (block[at] === 0) break;
    const offset = p.numeric(block.subarray(at, at + 12), 'sparse offset');
    const length = p.numeric(block.subarray(at + 12, at + 24), 'sparse length');
    runs.push({ offset, length });
  }
  return block[layout.extended]! > 0;
}

const text = (pax: Map<string, Buffer>, key: string) => pax.get(key)?.toString('latin1') ?? '';

/** Which PAX sparse format an entry's records use, if any (unknown versions are not sparse, as in Go). */
export function paxSparseVersion(pax: Map<string, Buffer>): '0.x' | '1.0' | undefined {
  const major = text(pax, 'GNU.sparse.major');
  const minor = text(pax, 'GNU.sparse.minor');
  if (major === '0' && (minor === '0' || minor === '1')) return '0.x';
  if (major === '1' && minor === '0') return '1.0';
  if (major !== '' || minor !== '') return undefined;
  // 0.0 and 0.1 had no version records.
  return text(pax, SPARSE_MAP) !== '' ? '0.x' : undefined;
}

/** The real size a PAX sparse entry's records give, if any; NaN when malformed. */
export function paxSparseSize(pax: Map<string, Buffer>): number | undefined {
  const size = text(pax, 'GNU.sparse.size') || text(pax, 'GNU.sparse.realsize');
  return size === '' ? undefined : (parseDecimal(size) ?? NaN);
}

/** Offset, length pairs from decimal strings; undefined if any is malformed. */
function pairs(fields: string[]): SparseRun[] | undefined {
  const runs: SparseRun[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const offset = parseDecimal(fields[i]!);
    const length = parseDecimal(fields[i + 1]!);
    if (offset === undefined || length === undefined) return undefined;
    runs.push({ offset, length });
  }
  return runs;
}

/** The map of PAX 0.0 and 0.1: `GNU.sparse.numblocks` runs in `GNU.sparse.map`. */
export function paxSparseMap(pax: Map<string, Buffer>): SparseRun[] | undefined {
  const count = parseDecimal(text(pax, 'GNU.sparse.numblocks'));
  if (count === undefined || count < 0) return undefined;
  const map = text(pax, SPARSE_MAP);
  const fields = map === '' ? [] : map.split(',');
  return fields.length === 2 * count ? pairs(fields) : undefined;
}

/**
 * The map of PAX 1.0, read from the entry's data a block at a time: the run count and then
 * offset and length, one decimal per line. `next` gives the next 512-byte block, or undefined at
 * the end of the data. The map text is capped (`max` bytes) so that a hostile entry cannot make
 * the reader hold gigabytes; ~1M runs fit in the default.
 */
export async function readSparseMap1(next: () => Promise<Buffer | undefined>, max = 16 << 20): Promise<SparseRun[] | string> {
  const blocks: Buffer[] = [];
  let newlines = 0;
  let bytes = 0;
  const feed = async (lines: number): Promise<string | undefined> => {
    while (newlines < lines) {
      if (bytes >= max) return `has a sparse map larger than ${max} bytes`;
      const block = await next();
      if (!block) return 'ends inside its sparse map';
      blocks.push(block);
      bytes += block.length;
      for (let i = block.indexOf(0x0a); i >= 0; i = block.indexOf(0x0a, i + 1)) newlines++;
    }
    return undefined;
  };
  let problem = await feed(1);
  if (problem) return problem;
  const firstText = Buffer.concat(blocks).toString('latin1');
  const count = parseDecimal(firstText.slice(0, firstText.indexOf('\n')));
  if (count === undefined || count < 0) return 'has a malformed sparse map';
  problem = await feed(1 + 2 * count);
  if (problem) return problem;
  const lines = Buffer.concat(blocks).toString('latin1').split('\n', 1 + 2 * count);
  return pairs(lines.slice(1)) ?? 'has a malformed sparse map';
}

/**
 * Go's checks (also BSD tar's): runs in order, not overlapping, none negative, all within the
 * real size; and, since the stored data is the runs' bytes, their lengths must add up to it.
 */
export function checkSparseRuns(runs: SparseRun[], size: number, stored: number): string | undefined {
  if (size < 0) return 'has a negative real size';
  let end = 0;
  let sum = 0;
  for (const run of runs) {
    if (run.offset < 0 || run.length < 0) return 'has a negative offset or length in its sparse map';
    if (run.offset < end) return 'has sparse runs that overlap or are out of order';
    end = run.offset + run.length;
    if (end > size) return `has a sparse run that ends past its size (${size} bytes)`;
    sum += run.length;
  }
  if (sum !== stored) return `stores ${stored} bytes of data but its sparse map holds ${sum}`;
  return undefined;
}
