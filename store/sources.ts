/** Prepared queries over `sources`: named registries images are found and installed from. */
import type { Db } from './db.js';

export interface SourceRecord {
  id: number;
  name: string;
  location: string;
  namespace: string | null;
  publisher: string | null;
  insecure: boolean;
  created: string;
}

export type NewSource = Omit<SourceRecord, 'id' | 'created'>;

interface SourceRow extends Omit<SourceRecord, 'insecure'> {
  insecure: number;
}

const toRecord = (r: SourceRow): SourceRecord => ({ ...r, insecure: r.insecure === 1 });

export class SourceQueries {
  constructor(private readonly db: Db) {}

  /** All sources in registration order, which is the order they are searched in. */
  list(): SourceRecord[] {
    return (this.db.prepare('SELECT * FROM sources ORDER BY id').all() as SourceRow[]).map(toRecord);
  }

  byName(name: string): SourceRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sources WHERE name = ?').get(name) as SourceRow | undefined;
    return row && toRecord(row);
  }

  /** Inserts a source; returns undefined when the name is taken. */
  add(s: NewSource, created: string): SourceRecord | undefined {
    const info = this.db
      .prepare(
        `INSERT INTO sources (name, location, namespace, publisher, insecure, created)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      )
      .run(s.name, s.location, s.namespace, s.publisher, s.insecure ? 1 : 0, created);
    return info.changes === 0 ? undefined : this.byName(s.name);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM sources WHERE id = ?').run(id);
  }
}
