/**
 * Text widths in docker's tables. Pure.
 *
 * `tabwrite` lays text out as Go's text/tabwriter does with the settings docker 20.10's
 * formatter gives it (cli/command/formatter/formatter.go: `tabwriter.NewWriter(out, 10, 1, 3,
 * ' ', 0)`). Cells end at '\t' (or '\v'); lines end at '\n' (or '\f', which also closes every
 * column). A cell ended by a tab belongs to a column; the text after a line's last tab does
 * not, and is printed unpadded. A column is a block of consecutive lines that each have a cell
 * in it: a line with fewer cells ends the block, and the next such line starts a new one. Every
 * cell of a block is padded with spaces to the block's width: its widest cell plus 3, and never
 * less than 10. Widths count code points, as Go counts runes, whatever a terminal makes of
 * wide or combining characters.
 *
 * `ellipsis` is docker's formatter.Ellipsis (displayutils.go), which, unlike the tab writer,
 * counts East Asian wide and fullwidth characters as two columns.
 */

const MIN_WIDTH = 10;
const PADDING = 3;

interface Line {
  cells: string[];
  /** '\n' or '\f' when the line was ended, '' for text after the last line break. */
  end: string;
}

export function tabwrite(text: string): string {
  const out: string[] = [];
  let section: Line[] = [];
  const parts = text.split(/([\n\f])/);
  for (let i = 0; i < parts.length; i += 2) {
    const end = parts[i + 1] ?? '';
    const cells = parts[i]!.split(/[\t\v]/);
    // Unended text is a cell only when it is not empty (Go's Flush drops an empty last cell).
    if (end === '' && cells[cells.length - 1] === '') cells.pop();
    section.push({ cells, end });
    if (end !== '\n') {
      out.push(layout(section));
      section = [];
    }
  }
  return out.join('');
}

/** One run of lines that no '\f' divides. */
function layout(lines: Line[]): string {
  const widths = lines.map((l) => new Array<number>(Math.max(l.cells.length - 1, 0)).fill(0));
  const columns = Math.max(...widths.map((w) => w.length));
  for (let col = 0; col < columns; col++) {
    let start = 0;
    while (start < lines.length) {
      if (widths[start]!.length <= col) {
        start++;
        continue;
      }
      let end = start;
      let width = MIN_WIDTH;
      while (end < lines.length && widths[end]!.length > col) {
        width = Math.max(width, runeCount(lines[end]!.cells[col]!) + PADDING);
        end++;
      }
      for (let i = start; i < end; i++) widths[i]![col] = width;
      start = end;
    }
  }
  return lines
    .map((line, i) => {
      const padded = line.cells.map((cell, col) => (col < widths[i]!.length ? cell + ' '.repeat(widths[i]![col]! - runeCount(cell)) : cell));
      // Go writes a newline for '\f' too.
      return padded.join('') + (line.end === '' ? '' : '\n');
    })
    .join('');
}

/** Code points, as Go's utf8.RuneCount counts them (a lone surrogate counts as one). */
export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Code points golang.org/x/text/width v0.3.3 (the version docker 20.10 vendors; Unicode 12
 * tables under Go 1.14+) classes as East Asian Wide or Fullwidth, as inclusive ranges.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x2e99],
  [0x2e9b, 0x2ef3], [0x2f00, 0x2fd5], [0x2ff0, 0x2ffb], [0x3000, 0x303e], [0x3041, 0x3096], [0x3099, 0x30ff],
  [0x3105, 0x312f], [0x3131, 0x318e], [0x3190, 0x31ba], [0x31c0, 0x31e3], [0x31f0, 0x321e], [0x3220, 0x3247],
  [0x3250, 0x32fe], [0x3300, 0x4dbf], [0x4e00, 0xa48c], [0xa490, 0xa4c6], [0xa960, 0xa97c], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe52], [0xfe54, 0xfe66], [0xfe68, 0xfe6b], [0xff01, 0xff60],
  [0xffe0, 0xffe6], [0x16fe0, 0x16fe3], [0x17000, 0x187f7], [0x18800, 0x18af2], [0x1b000, 0x1b11e], [0x1b150, 0x1b152],
  [0x1b164, 0x1b167], [0x1b170, 0x1b2fb], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a],
  [0x1f200, 0x1f202], [0x1f210, 0x1f23b], [0x1f240, 0x1f248], [0x1f250, 0x1f251], [0x1f260, 0x1f265], [0x1f300, 0x1f320],
  [0x1f32d, 0x1f335], [0x1f337, 0x1f37c], [0x1f37e, 0x1f393], [0x1f3a0, 0x1f3ca], [0x1f3cf, 0x1f3d3], [0x1f3e0, 0x1f3f0],
  [0x1f3f4, 0x1f3f4], [0x1f3f8, 0x1f43e], [0x1f440, 0x1f440], [0x1f442, 0x1f4fc], [0x1f4ff, 0x1f53d], [0x1f54b, 0x1f54e],
  [0x1f550, 0x1f567], [0x1f57a, 0x1f57a], [0x1f595, 0x1f596], [0x1f5a4, 0x1f5a4], [0x1f5fb, 0x1f64f], [0x1f680, 0x1f6c5],
  [0x1f6cc, 0x1f6cc], [0x1f6d0, 0x1f6d2], [0x1f6d5, 0x1f6d5], [0x1f6eb, 0x1f6ec], [0x1f6f4, 0x1f6fa], [0x1f7e0, 0x1f7eb],
  [0x1f90d, 0x1f971], [0x1f973, 0x1f976], [0x1f97a, 0x1f9a2], [0x1f9a5, 0x1f9aa], [0x1f9ae, 0x1f9ca], [0x1f9cd, 0x1f9ff],
  [0x1fa70, 0x1fa73], [0x1fa78, 0x1fa7a], [0x1fa80, 0x1fa82], [0x1fa90, 0x1fa95], [0x20000, 0x3ffff],
];

function charWidth(cp: number): number {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = WIDE[mid]!;
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return 2;
  }
  return 1;
}

/**
 * docker's Ellipsis(s, max): `s` when it fits in `max` columns, else the longest prefix that
 * fits in max-1 columns followed by '…'. A `max` of 1 keeps the first character alone; a first
 * character wider than max-1 keeps `s` whole (docker's loop finds no place to cut).
 */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  let width = 0;
  for (let i = 0; i < chars.length; i++) {
    const next = width + charWidth(chars[i]!.codePointAt(0)!);
    if (next > max - 1) {
      // The prefix of i characters fits in max-1; the whole string may still fit in max.
      const total = chars.slice(i).reduce((w, c) => w + charWidth(c.codePointAt(0)!), width);
      // docker finds no prefix when the first character alone is too wide, and keeps s whole.
      return total <= max || i === 0 ? s : chars.slice(0, i).join('') + '…';
    }
    width = next;
  }
  return s;
}
