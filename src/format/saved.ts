/** Save-ContainerImage's outcome: what was written where, as a table or JSON. Pure. */
import type { Saved } from '../ops/save.js';
import { renderJson } from './json.js';
import type { OutputFormat } from './output-format.js';
import { renderObjectTable } from './table.js';

const FORMAT_NAMES: Record<Saved['format'], string> = { oci: 'OciArchive', docker: 'DockerArchive', layout: 'OciLayout' };

export function savedObject(s: Saved) {
  return {
    Path: s.path,
    Format: FORMAT_NAMES[s.format],
    Name: s.name ?? '',
    Digest: s.manifestDigest,
    Image: 'display' in s.image ? s.image.display : `${s.image.name} ${s.image.version ?? ''}`.trim(),
  };
}

/** One object per image written (all to the same Path). */
export function renderSaved(saved: Saved[], format: OutputFormat): string {
  const objects = saved.map(savedObject);
  return format === 'Json' ? renderJson(objects) : renderObjectTable(objects, ['Image', 'Path', 'Format', 'Name']);
}
