/** `Select-Object -Property` over output objects. Pure; no I/O. */

export interface Projection {
  /** The requested properties in the objects' own spelling (`parentimage` → `ParentImage`). */
  columns: string[];
  /** New objects holding only those properties, in that order. */
  objects: Record<string, unknown>[];
}

/** Property names lowercased once each: a table of 10,000 objects asks about the same few names. */
const lowered = new Map<string, string>();
function lower(name: string): string {
  let l = lowered.get(name);
  if (l === undefined) lowered.set(name, (l = name.toLowerCase()));
  return l;
}

/** The object's own property spelled `name` in any case, if any. */
function keyOf(o: object, name: string): string | undefined {
  const wanted = lower(name);
  for (const k in o) if (Object.hasOwn(o, k) && lower(k) === wanted) return k;
  return undefined;
}

/** The named properties in the objects' own spelling: the first object's that has one, else as given. */
export function projectColumns(objects: readonly object[], properties: string[]): string[] {
  return properties.map((p) => {
    for (const o of objects) {
      const k = keyOf(o, p);
      if (k !== undefined) return k;
    }
    return p;
  });
}

/** The object's value of a column projectColumns named; null when it lacks the property. */
export function columnValue(o: object, column: string): unknown {
  // Mostly the object's own spelling: no walk over its keys.
  if (Object.hasOwn(o, column)) return (o as Record<string, unknown>)[column];
  const k = keyOf(o, column);
  return k === undefined ? null : (o as Record<string, unknown>)[k];
}

/**
 * Keeps the named properties, matched case-insensitively, in the order asked. A property an
 * object lacks is null (as in PowerShell); a name no object has keeps the spelling given.
 * Values are kept as they are, so a ParentImage stays an object for JSON.
 */
export function projectTable(objects: readonly object[], properties: string[]): Projection {
  const columns = projectColumns(objects, properties);
  return {
    columns,
    objects: objects.map((o) => {
      const projected: Record<string, unknown> = {};
      for (const c of columns) projected[c] = columnValue(o, c);
      return projected;
    }),
  };
}
