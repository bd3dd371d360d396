/**
 * Objects piped in on stdin: what another ctrimg printed with -OutputFormat Json (one array),
 * a single object, or one object per line (jq -c).
 */
import { usage } from '../errors.js';

export function parsePiped(text: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let values: unknown[];
  try {
    const doc: unknown = JSON.parse(trimmed);
    values = Array.isArray(doc) ? doc : [doc];
  } catch {
    try {
      values = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } catch {
      throw usage('stdin is not JSON: pipe the output of a ctrimg cmdlet run with -OutputFormat Json');
    }
  }
  if (!values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    throw usage('stdin must hold JSON objects (or an array of them)');
  }
  return values as Record<string, unknown>[];
}
