/** Get-ContainerImage's objects (PowerShell-cased) and their table and JSON forms. */
import type { OutputFormat } from './output-format.js';
import type { ImageRecord, ImageSummary } from '../../store/index.js';
import { formatPublisher } from './values.js';
import { renderJson } from './json.js';
import { projectTable } from './project.js';
import { formatCell, renderColumns, renderObjectTable } from './table.js';

export interface ImageWithParent<R extends ImageSummary = ImageRecord> {
  image: R;
  parent: R | null;
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

export const parentObject = (p: ImageSummary): ParentImageObject => ({
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
/** The properties an image's summary (store/images.ts) gives, with its parent's. */
const SUMMARY_PROPERTIES = new Set(['name', 'publisher', 'version', 'isosimage', 'parentimage']);

/**
 * Whether rendering needs the images' whole records, or their summaries do (a table of the
 * default columns, or of -Property columns among the summary's): the listing reads no more.
 */
export function needsWholeRecords(format: OutputFormat, properties?: string[]): boolean {
  return format !== 'Table' || (properties ?? []).some((p) => !SUMMARY_PROPERTIES.has(p.toLowerCase()));
}

/** `f` remembered per argument: each distinct one computed once. */
function once<K, V>(f: (k: K) => V): (k: K) => V {
  const seen = new Map<K, V>();
  return (k) => {
    let v = seen.get(k);
    if (v === undefined) seen.set(k, (v = f(k)));
    return v;
  };
}

/**
 * A table of the summaries' Name, Publisher, Version, IsOSImage (or the -Property columns
 * needsWholeRecords allows), as renderImages makes it of whole records: each cell made from the
 * summaries directly, with no object per image.
 */
export function renderImageSummaries(images: ImageWithParent<ImageSummary>[], properties?: string[]): string {
  // A host's images come from a few publishers and share few parents: each formatted once.
  const publisher = once((p: string | null) => formatCell(formatPublisher(p)));
  const parentCell = once((p: ImageSummary) => formatCell(parentObject(p)));
  const cells: Record<string, (i: ImageWithParent<ImageSummary>) => string> = {
    Name: ({ image }) => formatCell(image.name),
    Publisher: ({ image }) => publisher(image.publisher),
    Version: ({ image }) => formatCell(image.version ?? ''),
    IsOSImage: ({ parent }) => formatCell(parent === null),
    ParentImage: ({ parent }) => (parent ? parentCell(parent) : ''),
  };
  const columns = (properties ?? DEFAULT_COLUMNS).map((p) => {
    const header = Object.keys(cells).find((k) => k.toLowerCase() === p.toLowerCase());
    if (header === undefined) throw new Error(`renderImageSummaries: '${p}' is not a summary's property; needsWholeRecords says which are`);
    return { header, cell: cells[header]! };
  });
  return renderColumns(columns, images);
}

/** A table of Name, Publisher, Version, IsOSImage (or the -Property columns), or JSON. */
export function renderImages(images: ImageWithParent[], format: OutputFormat, properties?: string[]): string {
  const objects = images.map(imageObject);
  if (format === 'Json') return renderJson(properties ? projectTable(objects, properties).objects : objects);
  return renderObjectTable(objects, properties ?? DEFAULT_COLUMNS);
}
