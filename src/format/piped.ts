/**
 * Objects piped in on stdin: what another ctrimg printed with -OutputFormat Json (one array),
 * a single object, or one object per line (jq -c). This module alone knows the property names
 * of that output; it turns each object into the selector the operations take.
 */
import { usage } from '../errors.js';
import { tryParseVersion } from '../image/version.js';
import type { ContainerSelector } from '../ops/containers.js';
import type { ImageSelector } from '../ops/images.js';

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
      throw usage('stdin is not JSON', { code: 'PIPED_INVALID', hint: 'pipe the JSON output of a ctrimg cmdlet' });
    }
  }
  if (!values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    throw usage('stdin must hold JSON objects (or an array of them)', { code: 'PIPED_INVALID' });
  }
  return values as Record<string, unknown>[];
}

/** A non-empty string property, else undefined. */
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Image objects (Get-ContainerImage's Json): by Repository and Digest when both are present, else
 * by Id, else by Name with Publisher and Version.
 */
export function pipedImages(objects: Record<string, unknown>[]): ImageSelector[] {
  return objects.map((o): ImageSelector => {
    const [repository, digest, id, name] = [text(o.Repository), text(o.Digest), text(o.Id), text(o.Name)];
    if (repository && digest) return { by: 'manifest', repository, digest };
    if (id) return { by: 'id', id };
    if (!name) throw usage('a piped object names no image: it needs Repository and Digest, Id, or Name', { code: 'PIPED_INVALID' });
    const version = text(o.Version);
    const parsed = version === undefined ? undefined : tryParseVersion(version);
    if (version !== undefined && !parsed) throw usage(`a piped object's Version '${version}' is not a version`, { code: 'PIPED_INVALID' });
    return { by: 'name', name, publisher: text(o.Publisher), version: parsed };
  });
}

/** Container objects (Get-Container's Json): the one with this Id, else this Name. */
export function pipedContainers(objects: Record<string, unknown>[]): ContainerSelector[] {
  return objects.map((o) => {
    const [id, name] = [text(o.Id), text(o.Name)];
    if (!id && !name) throw usage('a piped object names no container: it needs Id or Name', { code: 'PIPED_INVALID' });
    return { id, name };
  });
}
