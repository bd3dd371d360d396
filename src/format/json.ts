/**
 * Always one JSON document (an array, even for one or no object), 2-space indent, trailing
 * newline, so both `ConvertFrom-Json` and `jq` take the whole output. Values are kept exactly;
 * controls JSON.stringify leaves raw are \u-escaped (escape.ts).
 */
import { escapeControlsInJson } from './escape.js';

export function renderJson(objects: unknown[]): string {
  return `${escapeControlsInJson(JSON.stringify(objects, null, 2))}\n`;
}
