/**
 * Reading a store's database without opening it as the commands do (db.ts): no migration, no
 * switch to WAL, no lineage healing, nothing written. For tab completion, which runs on every TAB
 * and must never create, upgrade or lock a store.
 */
import Database from 'better-sqlite3';
import { ADDON } from './db.js';

/** The distinct names of the installed images, sorted case aside. Throws when the file is missing or unreadable. */
export function readImageNames(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: ADDON });
  try {
    return db.prepare('SELECT DISTINCT name FROM images ORDER BY name COLLATE NOCASE').pluck().all() as string[];
  } finally {
    db.close();
  }
}
