/** Get-ContainerImage's objects (PowerShell-cased) and their table and JSON forms. */
import type { OutputFormat } from './output-format.js';
import type { ImageRecord } from '../../store/index.js';
import { formatPublisher } from './values.js';
import { renderJson } from './json.js';
import { projectTable } from './project.js';
import { renderObjectTable } from './table.js';

export interface ImageWithParent {
  image: ImageRecord;
  parent: ImageRecord | null;
}

export interface ParentImageObject {
  Name: string;
  Publisher: string;
  Version: string;
}

export interface ContainerImageObject {
  Name: string;
  Publisher: string;
  Version: string;
  IsOSImage: boolean;
  ParentImage: ParentImageObject | null;
  Id: string;
  Digest: string;
  Repository: string;
  Tag: string | null;
  Size: number;
  Created: string | null;
  Platform: string;
}

export const parentObject = (p: ImageRecord): ParentImageObject => ({
  Name: p.name,
  Publisher: formatPublisher(p.publisher),
  Version: p.version ?? '',
});

export function imageObject({ image, parent }: ImageWithParent): ContainerImageObject {
  return {
    Name: image.name,
    Publisher: formatPublisher(image.publisher),
    Version: image.version ?? '',
    IsOSImage: parent === null,
    ParentImage: parent && parentObject(parent),
    Id: image.configDigest,
    Digest: image.manifestDigest,
    Repository: image.repository,
    Tag: image.tag,
    Size: image.size,
    Created: image.created,
    Platform: image.platform,
  };
}

const DEFAULT_COLUMNS = ['Name', 'Publisher', 'Version', 'IsOSImage'];

/** A table of Name, Publisher, Version, IsOSImage (or the -Property columns), or JSON. */
export function renderImages(images: ImageWithParent[], format: OutputFormat, properties?: string[]): string {
  const objects = images.map(imageObject);
  if (format === 'Json') return renderJson(properties ? projectTable(objects, properties).objects : objects);
  return renderObjectTable(objects, properties ?? DEFAULT_COLUMNS);
}
