/** Prepared queries over `layers`: one row per imported layer, keyed by chain id (its directory is derived from that). */
import type { Db } from './db.js';

export interface LayerRecord {
  id: number;
  chainId: string;
  diffId: string;
  blobDigest: string;
  mediaType: string;
  size: number;
  /** What the layer's files hold, as docker counts a layer's size (layers/content-size.ts); null: not counted (imported before schema 9). */
  contentBytes: number | null;
}

export type NewLayer = Omit<LayerRecord, 'id'>;

const columns = (t: string) =>
  `${t}.id, ${t}.chain_id AS chainId, ${t}.diff_id AS diffId, ${t}.blob_digest AS blobDigest,
   ${t}.media_type AS mediaType, ${t}.size, ${t}.content_bytes AS contentBytes`;
const COLUMNS = columns('layers');

export class LayerQueries {
  constructor(private readonly db: Db) {}

  byChainId(chainId: string): LayerRecord | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM layers WHERE chain_id = ?`).get(chainId) as LayerRecord | undefined;
  }

  /**
   * Inserts the layer unless its chain id is already recorded; returns the row either way. A
   * recorded layer whose content bytes were not counted takes the count given.
   */
  ensure(l: NewLayer): LayerRecord {
    this.db
      .prepare(
        `INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size, content_bytes)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (chain_id) DO UPDATE SET content_bytes = coalesce(content_bytes, excluded.content_bytes)`,
      )
      .run(l.chainId, l.diffId, l.blobDigest, l.mediaType, l.size, l.contentBytes);
    return this.byChainId(l.chainId)!;
  }

  /** Layers of an image, base first. */
  ofImage(imageId: number): LayerRecord[] {
    return this.db
      .prepare(
        `SELECT ${columns('l')}
         FROM image_layers il JOIN layers l ON l.id = il.layer_id
         WHERE il.image_id = ? ORDER BY il.position`,
      )
      .all(imageId) as LayerRecord[];
  }

  all(): LayerRecord[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM layers ORDER BY id`).all() as LayerRecord[];
  }

  /** Layers no image uses (what deleteUnused would delete). */
  unused(): LayerRecord[] {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM layers WHERE id NOT IN (SELECT layer_id FROM image_layers) ORDER BY id`)
      .all() as LayerRecord[];
  }

  /** Deletes every layer no image uses and returns what was deleted, oldest first. */
  deleteUnused(): LayerRecord[] {
    const unused = this.unused();
    const del = this.db.prepare('DELETE FROM layers WHERE id = ?');
    for (const l of unused) del.run(l.id);
    return unused;
  }
}
