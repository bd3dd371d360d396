/**
 * The names of the installed images, for tab completion (src/cli/complete.ts): read only, with no
 * lease, and none at all when there is no store or it cannot be read (another account's, an older
 * or newer schema): a TAB never creates a store, nor prints an error.
 */
import { readImageNames } from '../../store/read-only.js';
import { databasePath } from '../content/layout.js';
import { defaultRoot } from './store-context.js';

export function installedImageNames(root = defaultRoot()): string[] {
  try {
    return readImageNames(databasePath(root));
  } catch {
    return [];
  }
}
