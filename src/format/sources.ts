/** Get-ContainerImageSource's objects and their table and JSON forms. */
import type { OutputFormat } from './output-format.js';
import type { SourceRecord } from '../../store/index.js';
import { renderJson } from './json.js';
import { renderObjectTable } from './table.js';
import { formatPublisher } from './values.js';

export function sourceObject(s: SourceRecord) {
  return {
    Name: s.name,
    Location: s.location,
    Namespace: s.namespace ?? '',
    Publisher: formatPublisher(s.publisher),
    Insecure: s.insecure,
    Mirrors: s.mirrors,
    Registered: s.created,
  };
}

export function renderSources(sources: SourceRecord[], format: OutputFormat): string {
  const objects = sources.map(sourceObject);
  return format === 'Json' ? renderJson(objects) : renderObjectTable(objects, ['Name', 'Location', 'Namespace', 'Publisher', 'Insecure', 'Mirrors']);
}
