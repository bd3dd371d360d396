/** Opens the SQLite database of a store root: WAL, foreign keys, a busy timeout, migrations. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { failed } from '../src/errors.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

// The executable's bundle holds better-sqlite3's JavaScript (eleven files Node would resolve and
// read one by one: some 5 ms of every command), but not its compiled addon. The driver would find
// that through the `bindings` package, which reads a stack trace for the caller's package root
// (the bundle's, there) and tries a dozen paths; it is loaded from where npm builds it instead.
const PACKAGE = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
export const ADDON = join(PACKAGE, 'build', 'Release', 'better_sqlite3.node');

export type Db = Database.Database;

/**
 * `mapped`: pages are read through a memory map, not a read() into SQLite's cache each: a lineage
 * walk over a store of 10,000 images, its pages in the OS cache, took 29 ms so against 9 ms.
 * For the commands that only read and decide: mapped pages count in the process's memory (an
 * integrity check reads the whole file), and an I/O error on one ends the process (SIGBUS)
 * instead of failing a statement. SQLite maps at most the file's size; writes go through the WAL.
 */
export function openDb(file: string, migrations: Migration[] = allMigrations, { mapped = false }: { mapped?: boolean } = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { nativeBinding: ADDON });
    // The first statement is where SQLite actually opens the file.
    db.pragma('journal_mode = WAL');
  } catch (err) {
    if (!existsSync(ADDON)) {
      throw failed(`better-sqlite3's compiled addon is not at ${ADDON}`, { code: 'STORE_UNAVAILABLE', hint: 'npm rebuild better-sqlite3 builds it', cause: err });
    }
    throw failed(`cannot open the store database ${file}: ${(err as Error).message}`, {
      code: 'STORE_UNAVAILABLE',
      hint: 'set CTRIMG_ROOT to a writable directory',
      cause: err,
    });
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 30000');
  db.pragma('synchronous = NORMAL');
  if (mapped) db.pragma('mmap_size = 268435456');
  migrate(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration newer than the database, each in its own transaction. */
export function migrate(db: Db, migrations: Migration[]): void {
  const newest = migrations.reduce((n, m) => Math.max(n, m.version), 0);
  const current = schemaVersion(db);
  if (current > newest) {
    throw failed(`the store's schema (version ${current}) is newer than this ctrimg understands (${newest}); upgrade ctrimg`);
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= schemaVersion(db)) continue;
    // IMMEDIATE takes the write lock first, so two processes never run one migration twice.
    db.transaction(() => {
      if (m.version <= schemaVersion(db)) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
