/** Get-Container's objects: Name, State, Uptime, ParentImageName; JSON adds Id, Path, Image. */
import type { OutputFormat } from './output-format.js';
import type { ContainerRecord, ImageRecord } from '../../store/index.js';
import { parentObject } from './images.js';
import { renderJson } from './json.js';
import { renderObjectTable } from './table.js';
import { formatUptime } from './units.js';

export interface ContainerWithImage {
  container: ContainerRecord;
  image: ImageRecord;
  path: string;
}

export function containerObject({ container, image, path }: ContainerWithImage, now: Date) {
  const running = container.state === 'Running' && container.started !== null;
  return {
    Name: container.name,
    State: container.state,
    Uptime: formatUptime(running ? now.getTime() - Date.parse(container.started!) : 0),
    ParentImageName: image.name,
    Id: container.cid,
    Path: path,
    Image: parentObject(image),
    Created: container.created,
  };
}

export function renderContainers(views: ContainerWithImage[], format: OutputFormat, now: Date): string {
  const objects = views.map((v) => containerObject(v, now));
  return format === 'Json' ? renderJson(objects) : renderObjectTable(objects, ['Name', 'State', 'Uptime', 'ParentImageName']);
}
