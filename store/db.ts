/** Opens the SQLite database of a store root: WAL, foreign keys, a busy timeout, migrations. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { failed } from '../src/errors.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

const require = createRequire(import.meta.url);
// Required, not imported: an ES import of a CommonJS package has Node parse its source for the
// names it exports first, a few milliseconds of every command.
const Database = require('better-sqlite3') as typeof BetterSqlite3;
// better-sqlite3 finds its compiled addon through the `bindings` package, which reads a stack
// trace to find the package's root and tries a dozen paths: about 6 ms of every command. Given
// where npm builds it, the driver loads it directly; a build elsewhere is searched for as before.
const ADDON = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
const ADDON_OPTIONS: BetterSqlite3.Options = existsSync(ADDON) ? { nativeBinding: ADDON } : {};

export type Db = BetterSqlite3.Database;

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
    db = new Database(file, ADDON_OPTIONS);
    // The first statement is where SQLite actually opens the file.
    db.pragma('journal_mode = WAL');
  } catch (err) {
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
