/** `Select-Object -Property` over output objects. Pure; no I/O. */

export interface Projection {
  /** The requested properties in the objects' own spelling (`parentimage` → `ParentImage`). */
  columns: string[];
  /** New objects holding only those properties, in that order. */
  objects: Record<string, unknown>[];
}

const keyOf = (o: object, name: string) => Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());

/**
 * Keeps the named properties, matched case-insensitively, in the order asked. A property an
 * object lacks is null (as in PowerShell); a name no object has keeps the spelling given.
 * Values are kept as they are, so a ParentImage stays an object for JSON.
 */
export function projectTable(objects: readonly object[], properties: string[]): Projection {
  const columns = properties.map((p) => objects.map((o) => keyOf(o, p)).find((k) => k !== undefined) ?? p);
  return {
    columns,
    objects: objects.map((o) =>
      Object.fromEntries(columns.map((c) => {
        const k = keyOf(o, c);
        return [c, k === undefined ? null : (o as Record<string, unknown>)[k]];
      })),
    ),
  };
}
