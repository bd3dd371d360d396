/**
 * PowerShell `Format-Table` / `Format-List` output. Pure; no I/O.
 *
 * Layout (as PowerShell prints it): one blank line, the header row, a row of dashes under each
 * header (as long as the header), the rows, then one blank line; so a rendered table is
 * `'\n' + lines + '\n\n'`. Columns are separated by one space and padded to their widest cell;
 * trailing spaces are trimmed. No rows (or no objects) renders as '' — PowerShell prints nothing.
 */
import { escapeControls } from './escape.js';
import { formatParentImage } from './values.js';
import { columnValue, projectColumns } from './project.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * A column whose cells are made from each row as the table is laid out, once for the widths and
 * once for the lines: no row of cells, nor an object per row, is kept for a table of 10,000.
 */
export interface CellColumn<T> extends Column {
  cell(row: T): string;
}

export function renderColumns<T>(columns: CellColumn<T>[], rows: readonly T[]): string {
  if (rows.length === 0) return '';
  const widths = columns.map((c) => c.header.length);
  for (const r of rows) {
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, columns[i]!.cell(r).length);
  }
  const last = columns.length - 1;
  // Built by concatenation, not arrays joined: a table of 10,000 rows allocated about 1.7 KB a
  // row so, and a listing's time went on collecting it. A left-aligned last cell needs no
  // padding: the line's trailing spaces go.
  const line = (cellOf: (i: number) => string) => {
    let text = '';
    for (let i = 0; i <= last; i++) {
      const cell = cellOf(i);
      const padded = columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : i === last ? cell : cell.padEnd(widths[i]!);
      text = i === 0 ? padded : `${text} ${padded}`;
    }
    return text.trimEnd();
  };
  let out = `\n${line((i) => columns[i]!.header)}\n${line((i) => '-'.repeat(columns[i]!.header.length))}\n`;
  for (const r of rows) out += `${line((i) => columns[i]!.cell(r))}\n`;
  return `${out}\n`;
}

export function renderTable(columns: Column[], rows: string[][]): string {
  return renderColumns(
    columns.map((c, i) => ({ ...c, cell: (r: string[]) => r[i] ?? '' })),
    rows,
  );
}

/**
 * A property value as text in a table or list: '' for null/undefined, `True`/`False` for
 * booleans (as PowerShell), `{a, b}` for arrays, a nested image (an object with Name and
 * Version) via formatParentImage, other objects as compact JSON. Control characters are
 * escaped (escape.ts): cells hold registry-supplied text such as titles and descriptions.
 */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `{${value.map(formatCell).join(', ')}}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.Name === 'string' && typeof o.Version === 'string') {
      return formatParentImage({ Name: o.Name, Version: o.Version, Publisher: typeof o.Publisher === 'string' ? o.Publisher : null });
    }
    return escapeControls(JSON.stringify(value));
  }
  return escapeControls(String(value));
}

/**
 * `Format-Table -Property`: a table of the named properties (case-insensitive), cells through
 * formatCell; columns whose values are all numbers are right-aligned, as in PowerShell.
 */
export function renderObjectTable(objects: readonly object[], properties: string[]): string {
  const columns = projectColumns(objects, properties).map((n): CellColumn<object> => {
    const cell = (o: object) => formatCell(columnValue(o, n));
    let numbers = 0;
    for (const o of objects) {
      const v = columnValue(o, n);
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number') return { header: n, align: 'left', cell };
      numbers++;
    }
    return { header: n, align: numbers > 0 ? 'right' : 'left', cell };
  });
  return renderColumns(columns, objects);
}

