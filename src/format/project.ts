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

/**
 * Keeps the named properties, matched case-insensitively, in the order asked. A property an
 * object lacks is null (as in PowerShell); a name no object has keeps the spelling given.
 * Values are kept as they are, so a ParentImage stays an object for JSON.
 */
export function projectTable(objects: readonly object[], properties: string[]): Projection {
  const columns = properties.map((p) => {
    for (const o of objects) {
      const k = keyOf(o, p);
      if (k !== undefined) return k;
    }
    return p;
  });
  return {
    columns,
    objects: objects.map((o) => {
      const projected: Record<string, unknown> = {};
      for (const c of columns) {
        const k = keyOf(o, c);
        projected[c] = k === undefined ? null : (o as Record<string, unknown>)[k];
      }
      return projected;
    }),
  };
}
