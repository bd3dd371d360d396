/**
 * Always one JSON document (an array, even for one or no object), 2-space indent, trailing
 * newline, so both `ConvertFrom-Json` and `jq` take the whole output.
 */
export function renderJson(objects: unknown[]): string {
  return `${JSON.stringify(objects, null, 2)}\n`;
}
