/**
 * One of Repair-ContainerImageStore's checks: a name, and a look at the store that returns what
 * is wrong. A finding that deleting mends comes with the deletion, which the caller runs only
 * with -Fix; the others (information, damage to reinstall) are reported as they are.
 */
import { readdir, stat } from 'node:fs/promises';
import type { OpsContext } from '../context.js';
import type { Finding } from '../repair.js';

export interface Found {
  finding: Finding;
  /** Deletes what the finding names; present exactly when the finding's action is WouldDelete. */
  fix?: () => Promise<unknown>;
}

export interface RepairCheck {
  /** Says what the check looks at, in debug output. */
  name: string;
  find(ctx: OpsContext): Promise<Found[]>;
}

/** A finding that `fix` mends by deleting what it names. */
export function deletable(f: Omit<Finding, 'action' | 'images'>, fix: () => Promise<unknown>): Found {
  return { finding: { ...f, images: [], action: 'WouldDelete' }, fix };
}

/** A finding to report, not to fix here. */
export const reported = (finding: Finding): Found => ({ finding });

export const exists = (path: string) => stat(path).then(() => true, () => false);

/** A directory's names in order, none when it is missing. */
export const sorted = (dir: string) => readdir(dir).then((n) => n.sort(), () => [] as string[]);
