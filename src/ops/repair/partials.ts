/** Partial downloads nobody has resumed for a week are given up on (one being resumed is locked). */
import { partialPath, storeRelative } from '../../content/layout.js';
import { isRunning } from '../../content/owner.js';
import { removeInside } from '../../content/root.js';
import { deletable, type Found, type RepairCheck } from './check.js';

/** Partial downloads untouched for this long are given up on. */
const PARTIAL_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export const oldPartials: RepairCheck = {
  name: 'old partial downloads',
  async find(ctx) {
    const found: Found[] = [];
    for (const { digest, partial, lock } of (await ctx.content.status()).ingests) {
      if (!partial || (lock?.holder && isRunning(lock.holder))) continue;
      const age = ctx.now().getTime() - partial.updatedAt.getTime();
      if (age <= PARTIAL_MAX_AGE_MS) continue;
      const path = partialPath(ctx.root, digest);
      const detail = `partial download of ${partial.size} bytes untouched for ${Math.floor(age / 86_400_000)} days`;
      found.push(deletable({ kind: 'OldPartial', path: storeRelative(ctx.root, path), digest, detail }, () => removeInside(ctx.root, path)));
    }
    return found;
  },
};
