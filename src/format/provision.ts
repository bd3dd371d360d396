/**
 * Invoke-ContainerImageProvisioning's report, one row per image, or its plan with -WhatIf: a
 * table (Action, Status, Name, Version, Reference, Detail), or with Json one document
 * `{ "Changed": bool, "Images": [{ Name, Version, Reference, Action, Status, Error? }] }`, so a
 * configuration tool reads drift from Changed without parsing text. And the summary line that
 * says what changed, or that nothing had to. Pure.
 */
import type { ProvisionItem, Provisioning } from '../ops/provision.js';
import { describeDependents } from '../ops/remove.js';
import { describeDesired } from '../ops/provision-file.js';
import { formatVersionRange } from '../image/version.js';
import { escapeControlsInJson } from './escape.js';
import { formatCell, renderColumns } from './table.js';

const nameOf = (i: ProvisionItem): string | null => i.image?.name ?? (i.desired?.by === 'name' ? i.desired.name : null);

/** The image's repository:tag (or @digest) once it is installed, else the reference the entry gives. */
function referenceOf(i: ProvisionItem): string | null {
  if (i.image) return `${i.image.repository}${i.image.tag ? `:${i.image.tag}` : `@${i.image.manifestDigest}`}`;
  return i.desired?.by === 'reference' ? describeDesired(i.desired) : null;
}

/** Why, in a word or a few: the error, what a refused image is used by, what an install asks for. */
function detailOf(i: ProvisionItem): string {
  if (i.error && i.action !== 'Refused') return i.error.message;
  if (i.dependents) return `used by ${describeDependents(i.dependents)}`;
  if (i.baseOf) return `base of ${i.baseOf}`;
  if (i.heldFor) return `not removed: the install of ${i.heldFor} did not succeed`;
  const d = i.desired;
  if (i.action === 'Install' && !i.image && d?.by === 'name') {
    return [formatVersionRange(d.versions) && `version ${formatVersionRange(d.versions)}`, d.source && `from source '${d.source}'`].filter(Boolean).join(' ');
  }
  if (i.action === 'Remove' && !i.desired) return 'not in the file';
  return '';
}

export function renderProvisioningTable(p: Provisioning): string {
  const cell = (f: (i: ProvisionItem) => string | null) => (i: ProvisionItem) => formatCell(f(i) ?? '');
  return renderColumns(
    [
      { header: 'Action', cell: cell((i) => i.action) },
      { header: 'Status', cell: cell((i) => i.status) },
      { header: 'Name', cell: cell(nameOf) },
      { header: 'Version', cell: cell((i) => i.image?.version ?? null) },
      { header: 'Reference', cell: cell(referenceOf) },
      { header: 'Detail', cell: cell(detailOf) },
    ],
    p.items,
  );
}

export function renderProvisioningJson(p: Provisioning): string {
  const images = p.items.map((i) => ({
    Name: nameOf(i),
    Version: i.image?.version ?? null,
    Reference: referenceOf(i),
    Action: i.action,
    Status: i.status,
    ...(i.error && { Error: { Message: i.error.message, Code: i.error.code } }),
  }));
  return `${escapeControlsInJson(JSON.stringify({ Changed: p.changed, Images: images }, null, 2))}\n`;
}

/** One line: what -WhatIf would do, what was done, or that nothing had to be. */
export function provisioningSummary(p: Provisioning): string {
  const count = (action: ProvisionItem['action'], status?: ProvisionItem['status']) => p.items.filter((i) => i.action === action && (!status || i.status === status)).length;
  if (p.whatIf) {
    if (!p.changed && count('Refused') === 0) return 'What if: nothing to change; every image is as the file says';
    return `What if: ${count('Install')} to install, ${count('Keep')} to keep, ${count('Remove')} to remove, ${count('Refused')} refused; nothing was changed`;
  }
  const failed = p.items.filter((i) => i.status === 'Failed').length;
  // Not attempted: declined, or after the first failure when asked to stop there.
  const skipped = p.items.filter((i) => i.status === 'Skipped').length;
  if (!p.changed && failed === 0 && skipped === 0) return 'Nothing to change: every image is as the file says';
  const parts = [`${count('Install', 'Succeeded')} installed`, `${count('Remove', 'Succeeded')} removed`, `${count('Keep')} kept`];
  if (skipped > 0) parts.push(`${skipped} skipped`);
  if (count('Refused') > 0) parts.push(`${count('Refused')} refused`);
  const failures = failed - count('Refused', 'Failed');
  if (failures > 0) parts.push(`${failures} failed`);
  return `${p.changed ? 'Changed' : 'Nothing changed'}: ${parts.join(', ')}`;
}
