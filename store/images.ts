/** Prepared queries over `images` and `image_layers`. */
import type { Db } from './db.js';

export interface ImageRecord {
  id: number;
  name: string;
  publisher: string | null;
  version: string | null;
  description: string | null;
  repository: string;
  tag: string | null;
  manifestDigest: string;
  configDigest: string;
  platform: string;
  size: number;
  created: string | null;
  installed: string;
  sourceId: number | null;
}

/** An image with the chain ids of its layers, base first: what lineage is computed from. */
export interface ImageWithChain extends ImageRecord {
  chain: string[];
}

export type NewImage = Omit<ImageRecord, 'id'>;

const COLUMNS = `id, name, publisher, version, description, repository, tag,
  manifest_digest AS manifestDigest, config_digest AS configDigest, platform, size, created,
  installed, source_id AS sourceId`;

export class ImageQueries {
  constructor(private readonly db: Db) {}

  byId(id: number): ImageRecord | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM images WHERE id = ?`).get(id) as ImageRecord | undefined;
  }

  byManifest(repository: string, manifestDigest: string): ImageRecord | undefined {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM images WHERE repository = ? AND manifest_digest = ?`)
      .get(repository, manifestDigest) as ImageRecord | undefined;
  }

  all(): ImageRecord[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM images ORDER BY id`).all() as ImageRecord[];
  }

  /** Every image with its layer chain, in install order. */
  listWithChains(): ImageWithChain[] {
    const images = this.all();
    const rows = this.db
      .prepare(
        `SELECT il.image_id AS imageId, l.chain_id AS chainId
         FROM image_layers il JOIN layers l ON l.id = il.layer_id ORDER BY il.image_id, il.position`,
      )
      .all() as { imageId: number; chainId: string }[];
    const chains = new Map<number, string[]>();
    for (const r of rows) {
      const chain = chains.get(r.imageId) ?? [];
      chain.push(r.chainId);
      chains.set(r.imageId, chain);
    }
    return images.map((img) => ({ ...img, chain: chains.get(img.id) ?? [] }));
  }

  /** Records an image over layers that are already recorded (ids base first). */
  add(img: NewImage, layerIds: number[]): ImageRecord {
    const info = this.db
      .prepare(
        `INSERT INTO images (name, publisher, version, description, repository, tag, manifest_digest,
           config_digest, platform, size, created, installed, source_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        img.name, img.publisher, img.version, img.description, img.repository, img.tag, img.manifestDigest,
        img.configDigest, img.platform, img.size, img.created, img.installed, img.sourceId,
      );
    const id = Number(info.lastInsertRowid);
    const link = this.db.prepare('INSERT INTO image_layers (image_id, position, layer_id) VALUES (?, ?, ?)');
    layerIds.forEach((layerId, position) => link.run(id, position, layerId));
    return this.byId(id)!;
  }

  /**
   * Deletes an image record; false when it was already gone. Its id alone could name another
   * image by now (SQLite reuses the ids of deleted rows), so the repository and manifest must match too.
   */
  remove(img: Pick<ImageRecord, 'id' | 'repository' | 'manifestDigest'>): boolean {
    return this.db.prepare('DELETE FROM images WHERE id = ? AND repository = ? AND manifest_digest = ?').run(img.id, img.repository, img.manifestDigest).changes > 0;
  }

  /** Images with this layer anywhere in their chain. */
  usingLayer(layerId: number): ImageRecord[] {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM images WHERE id IN (SELECT image_id FROM image_layers WHERE layer_id = ?) ORDER BY id`)
      .all(layerId) as ImageRecord[];
  }

  /** Any image (in whatever repository) with this manifest digest. */
  anyByManifestDigest(manifestDigest: string): ImageRecord | undefined {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM images WHERE manifest_digest = ? ORDER BY id LIMIT 1`)
      .get(manifestDigest) as ImageRecord | undefined;
  }
}
