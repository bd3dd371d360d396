/** Prepared queries over `containers`: records that keep their image from being removed; a container's directory is derived from its cid. */
import type { Db } from './db.js';

export type ContainerState = 'Off' | 'Running' | 'Paused' | 'Stopped';

export interface ContainerRecord {
  id: number;
  cid: string;
  name: string;
  imageId: number;
  state: ContainerState;
  created: string;
  started: string | null;
}

export type NewContainer = Omit<ContainerRecord, 'id' | 'started'>;

const COLUMNS = 'id, cid, name, image_id AS imageId, state, created, started';

export class ContainerQueries {
  constructor(private readonly db: Db) {}

  list(): ContainerRecord[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM containers ORDER BY id`).all() as ContainerRecord[];
  }

  byName(name: string): ContainerRecord | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM containers WHERE name = ?`).get(name) as ContainerRecord | undefined;
  }

  ofImage(imageId: number): ContainerRecord[] {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM containers WHERE image_id = ? ORDER BY id`)
      .all(imageId) as ContainerRecord[];
  }

  /** Inserts a container; returns undefined when the name is taken. */
  add(c: NewContainer): ContainerRecord | undefined {
    const info = this.db
      .prepare(
        `INSERT INTO containers (cid, name, image_id, state, created)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      )
      .run(c.cid, c.name, c.imageId, c.state, c.created);
    return info.changes === 0 ? undefined : this.byName(c.name);
  }

  /**
   * Deletes a container record; false when it was already gone. Its id alone could name another
   * container by now (SQLite reuses the ids of deleted rows), so the cid must match too.
   */
  remove(c: Pick<ContainerRecord, 'id' | 'cid'>): boolean {
    return this.db.prepare('DELETE FROM containers WHERE id = ? AND cid = ?').run(c.id, c.cid).changes > 0;
  }
}
