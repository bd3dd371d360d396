/**
 * Remove-ContainerImage's outcome per image: lines for stderr (`Removed image WebApp 1.2.0.0`;
 * refusals are errors, and -WhatIf's lines the CLI's), or with Json one object per image: Name,
 * Publisher, Version, Id, Outcome (Removed, Refused, WouldRemove, WouldRefuse, and Skipped for
 * one not attempted after a refusal with -ErrorAction Stop), and what a refused image is used by. Pure.
 */
import type { Removal } from '../ops/remove.js';
import { describeImage } from '../ops/images.js';
import { renderJson } from './json.js';
import { plural } from './units.js';
import { formatPublisher } from './values.js';

/** Informational lines of a removal done, in the order the images were decided (children first). */
export function removalLines(r: Removal): string[] {
  const lines = r.removed.map((i) => `Removed image ${describeImage(i)}`);
  if (r.removed.length > 0) lines.push(`Deleted ${plural(r.swept.layers, 'unused layer')} and ${plural(r.swept.blobs, 'unused blob')}`);
  return lines;
}

export function renderRemovalJson(r: Removal, whatIf: boolean): string {
  const image = (i: Removal['removed'][number]) => ({ Name: i.name, Publisher: formatPublisher(i.publisher), Version: i.version ?? '', Id: i.configDigest });
  return renderJson([
    ...r.removed.map((i) => ({ ...image(i), Outcome: whatIf ? 'WouldRemove' : 'Removed', Containers: [], ChildImages: [] })),
    ...r.refused.map((x) => ({
      ...image(x.image),
      Outcome: whatIf ? 'WouldRefuse' : 'Refused',
      Containers: x.containers.map((c) => ({ Name: c.name, State: c.state, Id: c.cid })),
      ChildImages: x.children.map(image),
    })),
    ...r.skipped.map((i) => ({ ...image(i), Outcome: 'Skipped', Containers: [], ChildImages: [] })),
  ]);
}
