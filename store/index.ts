/** The SQLite store of a ctrimg root: one connection and the prepared queries over it. */
import { openDb, type Db } from './db.js';
import { ContainerQueries } from './containers.js';
import { ImageQueries } from './images.js';
import { LayerQueries } from './layers.js';
import { SettingsQueries } from './settings.js';
import { SourceQueries } from './sources.js';

export class Store {
  readonly sources: SourceQueries;
  readonly images: ImageQueries;
  readonly layers: LayerQueries;
  readonly containers: ContainerQueries;
  readonly settings: SettingsQueries;

  constructor(readonly db: Db) {
    this.sources = new SourceQueries(db);
    this.images = new ImageQueries(db);
    this.layers = new LayerQueries(db);
    this.containers = new ContainerQueries(db);
    this.settings = new SettingsQueries(db);
  }

  static open(file: string): Store {
    return new Store(openDb(file));
  }

  /** Runs `fn` in one write transaction, taking the lock up front so readers never upgrade. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
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

  close(): void {
    this.db.close();
  }
}

export type { SourceRecord, NewSource } from './sources.js';
export type { ImageRecord, ImageWithChain, NewImage } from './images.js';
export type { LayerRecord, NewLayer } from './layers.js';
export type { ContainerRecord, ContainerState, NewContainer } from './containers.js';
