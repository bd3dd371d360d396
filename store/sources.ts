/** Prepared queries over `sources` and their `source_mirrors`: named registries images are found and installed from. */
import type { Db } from './db.js';

export interface SourceRecord {
  id: number;
  name: string;
  location: string;
  namespace: string | null;
  publisher: string | null;
  insecure: boolean;
  /** Root URLs tried, in this order, before `location`. */
  mirrors: string[];
  created: string;
}

export type NewSource = Omit<SourceRecord, 'id' | 'created'>;

interface SourceRow extends Omit<SourceRecord, 'insecure' | 'mirrors'> {
  insecure: number;
}

export class SourceQueries {
  constructor(private readonly db: Db) {}

  /** All sources in registration order, which is the order they are searched in. */
  list(): SourceRecord[] {
    return (this.db.prepare('SELECT * FROM sources ORDER BY id').all() as SourceRow[]).map((r) => this.toRecord(r));
  }

  byName(name: string): SourceRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sources WHERE name = ?').get(name) as SourceRow | undefined;
    return row && this.toRecord(row);
  }

  /** A source's mirror URLs in the order they are tried. */
  mirrors(sourceId: number): string[] {
    const rows = this.db.prepare('SELECT url FROM source_mirrors WHERE source_id = ? ORDER BY position').all(sourceId) as { url: string }[];
    return rows.map((r) => r.url);
  }

  /** Inserts a source and its mirrors in one transaction; returns undefined when the name is taken. */
  add(s: NewSource, created: string): SourceRecord | undefined {
    const insert = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO sources (name, location, namespace, publisher, insecure, created)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
        )
        .run(s.name, s.location, s.namespace, s.publisher, s.insecure ? 1 : 0, created);
      if (info.changes === 0) return false;
      const mirror = this.db.prepare('INSERT INTO source_mirrors (source_id, position, url) VALUES (?, ?, ?)');
      s.mirrors.forEach((url, i) => mirror.run(info.lastInsertRowid, i, url));
      return true;
    });
    return insert.immediate() ? this.byName(s.name) : undefined;
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM sources WHERE id = ?').run(id);
  }

  private toRecord(r: SourceRow): SourceRecord {
    return { ...r, insecure: r.insecure === 1, mirrors: this.mirrors(r.id) };
  }
}
