/** Find-ContainerImage's objects: Name, Version, Source, Description (and where they live in JSON). */
import type { OutputFormat } from './output-format.js';
import { renderJson } from './json.js';
import { renderObjectTable } from './table.js';

export interface FoundImageView {
  name: string;
  version: { text: string };
  description: string | null;
  source: { name: string; location: string };
  repository: string;
  tag: string;
}

export function foundObject(f: FoundImageView) {
  return {
    Name: f.name,
    Version: f.version.text,
    Source: f.source.name,
    Description: f.description ?? '',
    Repository: f.repository,
    Tag: f.tag,
    Reference: `${new URL(f.source.location).host}/${f.repository}:${f.tag}`,
  };
}

export function renderFound(found: FoundImageView[], format: OutputFormat): string {
  const objects = found.map(foundObject);
  return format === 'Json' ? renderJson(objects) : renderObjectTable(objects, ['Name', 'Version', 'Source', 'Description']);
}
