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
import { projectTable } from './project.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export function renderTable(columns: Column[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    columns
      .map((c, i) => (c.align === 'right' ? (cells[i] ?? '').padStart(widths[i]) : (cells[i] ?? '').padEnd(widths[i])))
      .join(' ')
      .trimEnd();
  const lines = [
    line(columns.map((c) => c.header)),
    line(columns.map((c) => '-'.repeat(c.header.length))),
    ...rows.map(line),
  ];
  return `\n${lines.join('\n')}\n\n`;
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
  const { columns: names, objects: selected } = projectTable(objects, properties);
  const columns: Column[] = names.map((n) => {
    const values = selected.map((o) => o[n]).filter((v) => v !== null && v !== undefined);
    return { header: n, align: values.length > 0 && values.every((v) => typeof v === 'number') ? 'right' : 'left' };
  });
  return renderTable(columns, selected.map((o) => names.map((n) => formatCell(o[n]))));
}

