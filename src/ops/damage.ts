/**
 * Operations that delete files because the database says nothing uses them (the sweep after
 * removing images, removing containers, repairing the store) first ask SQLite whether the
 * database is whole: a table that lost its rows would make every layer, container or blob it
 * named look unused.
 */
import { join } from 'node:path';
import { DATABASE_FILE } from '../content/layout.js';
import { failed } from '../errors.js';
import type { StoreContext } from './store-context.js';

/** What to do about a damaged database, up to checking the store again (a caller says how: DATABASE_DAMAGED's hint). */
export const DATABASE_HINT =
  `nothing was deleted; restore ${DATABASE_FILE} from a backup, or rebuild it with \`sqlite3 ${DATABASE_FILE} .recover | sqlite3 recovered.db\` and put recovered.db in its place`;

/** Refuses with DATABASE_HINT, as DATABASE_DAMAGED, when the store's database is damaged. */
export function assertDatabaseSound(ctx: StoreContext): void {
  const damage = ctx.store.damage();
  if (damage.length === 0) return;
  throw failed(`the store's database ${join(ctx.root, DATABASE_FILE)} is damaged (${damage[0]}${damage.length > 1 ? `, and ${damage.length - 1} more` : ''})`, {
    code: 'DATABASE_DAMAGED',
    hint: `${DATABASE_HINT}, then check the store again`,
  });
}
