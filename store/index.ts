/** The SQLite store of a ctrimg root: one connection and the prepared queries over it. */
import { openDb, type Db } from './db.js';
import { ContainerQueries } from './containers.js';
import { ImageQueries } from './images.js';
import { LayerQueries } from './layers.js';
import { LineageQueries } from './lineage.js';
import { healLineage } from './parents.js';
import { SettingsQueries } from './settings.js';
import { SourceQueries } from './sources.js';

const ROLLBACK = Symbol('rollback');

export class Store {
  readonly sources: SourceQueries;
  readonly images: ImageQueries;
  readonly layers: LayerQueries;
  readonly lineage: LineageQueries;
  readonly containers: ContainerQueries;
  readonly settings: SettingsQueries;

  constructor(readonly db: Db) {
    this.sources = new SourceQueries(db);
    this.images = new ImageQueries(db);
    this.layers = new LayerQueries(db);
    this.lineage = new LineageQueries(db);
    this.containers = new ContainerQueries(db);
    this.settings = new SettingsQueries(db);
  }

  /** `mapped`: reads through a memory map (db.ts says when). */
  static open(file: string, opts: { mapped?: boolean } = {}): Store {
    const db = openDb(file, undefined, opts);
    // Images another ctrimg added or removed without keeping their parents (parents.ts).
    healLineage(db);
    return new Store(db);
  }

  /**
   * Runs `fn` in one write transaction, taking the lock up front so readers never upgrade. It
   * starts with the parents kept right (parents.ts): what it decides may rest on them.
   */
  transaction<T>(fn: () => T): T {
    return this.db
      .transaction(() => {
        healLineage(this.db);
        return fn();
      })
      .immediate();
  }

  /**
   * Runs `fn` in one read transaction: every query in it sees the same state of the store,
   * whatever other processes commit meanwhile (WAL readers take no lock writers wait on).
   */
  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  /** Runs `fn` as `transaction` does, then rolls back whatever it wrote: a -WhatIf that changes nothing. */
  dryRun<T>(fn: () => T): T {
    let result: T | undefined;
    try {
      this.transaction(() => {
        result = fn();
        throw ROLLBACK;
      });
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    }
    return result as T;
  }

  /** Every blob digest the store still names: image manifests and configs, and layer blobs. */
  referencedBlobs(): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT manifest_digest AS d FROM images UNION SELECT config_digest FROM images
         UNION SELECT blob_digest FROM layers`,
      )
      .all() as { d: string }[];
    return new Set(rows.map((r) => r.d));
  }

  /** True when any layer or container is recorded: what an importer made that another cannot read. */
  hasLayersOrContainers(): boolean {
    const row = this.db
      .prepare('SELECT EXISTS (SELECT 1 FROM layers) OR EXISTS (SELECT 1 FROM containers) AS used')
      .get() as { used: number };
    return row.used === 1;
  }

  /**
   * What SQLite finds wrong with the database file (`PRAGMA integrity_check`: damaged pages,
   * indexes out of step) and rows naming a parent that does not exist (`foreign_key_check`);
   * empty when it is sound.
   */
  damage(): string[] {
    try {
      const integrity = (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
      if (integrity.length !== 1 || integrity[0] !== 'ok') return integrity;
      const orphans = this.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      return orphans.map((o) => `row ${o.rowid} of ${o.table} names a missing ${o.parent} row`);
    } catch (err) {
      // A page too damaged for the check itself to read.
      if (/^SQLITE_(CORRUPT|NOTADB)/.test((err as { code?: string }).code ?? '')) return [(err as Error).message];
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }
}

export type { SourceRecord, NewSource } from './sources.js';
export type { ImageQueries, ImageSummary, NamedImage, ImageRecord, NewImage } from './images.js';
export type { DescendantSummary, Dependents } from './lineage.js';
export type { LayerRecord, NewLayer } from './layers.js';
export type { ContainerRecord, ContainerState, NewContainer } from './containers.js';
