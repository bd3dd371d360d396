/** Repair-ContainerImageStore's objects: one per finding, Kind, Action, Path, Detail; JSON adds Digest and Images. */
import type { OutputFormat } from './output-format.js';
import type { Finding } from '../ops/repair.js';
import { renderJson } from './json.js';
import { renderObjectTable } from './table.js';

export function findingObject(f: Finding) {
  return { Kind: f.kind, Action: f.action, Path: f.path, Digest: f.digest, Images: f.images, Detail: f.detail };
}

export function renderFindings(findings: Finding[], format: OutputFormat): string {
  const objects = findings.map(findingObject);
  return format === 'Json' ? renderJson(objects) : renderObjectTable(objects, ['Kind', 'Action', 'Path', 'Detail']);
}
