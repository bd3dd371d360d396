/** Prepared queries over `images` and `image_layers`; lineage is in lineage.ts. */
import { failed } from '../src/errors.js';
import type { Db } from './db.js';
import { keepingLineage, reparentImagesUsing } from './parents.js';

/** What a listing of the default columns needs of an image: a few short strings, not the digests. */
export interface ImageSummary {
  id: number;
  name: string;
  publisher: string | null;
  version: string | null;
  /** Its ParentImage's id, as store/parents.ts keeps it; null for an OS image. */
  parentId: number | null;
}

export interface ImageRecord extends ImageSummary {
  description: string | null;
  repository: string;
  /** Its tag in its repository, the first in order when it has several (tagsOf), null when none. */
  tag: string | null;
  manifestDigest: string;
  configDigest: string;
  platform: string;
  size: number;
  created: string | null;
  installed: string;
  sourceId: number | null;
  /** Installed from a registry: its manifest digest is the one the registry serves it by (docker's RepoDigests). */
  pulled: boolean;
}

/** What a new image is recorded with: its id and its parent are the store's to give. */
export type NewImage = Omit<ImageRecord, 'id' | 'parentId'>;

/** The record's columns, of table alias `t`. */
export const imageColumns = (t: string) => `${t}.id, ${t}.name, ${t}.publisher, ${t}.version, ${t}.description,
  ${t}.repository, (SELECT min(g.tag) FROM image_tags g WHERE g.image_id = ${t}.id) AS tag, ${t}.manifest_digest AS manifestDigest, ${t}.config_digest AS configDigest, ${t}.platform,
  ${t}.size, ${t}.created, ${t}.installed, ${t}.source_id AS sourceId, ${t}.parent_image_id AS parentId, ${t}.pulled`;
const COLUMNS = imageColumns('images');
const SUMMARY = 'id, name, publisher, version, parent_image_id AS parentId';

/**
 * A row of imageColumns read as an array (better-sqlite3's raw mode) into a record. Thousands of
 * rows are read several times faster so than as objects, whose properties the driver adds one by
 * one; the literal gives every record one shape.
 */
type Row = [number, string, string | null, string | null, string | null, string, string | null, string, string, string, number, string | null, string, number | null, number | null, number];
const imageRecord = (r: Row): ImageRecord => ({
  id: r[0], name: r[1], publisher: r[2], version: r[3], description: r[4], repository: r[5], tag: r[6],
  manifestDigest: r[7], configDigest: r[8], platform: r[9], size: r[10], created: r[11], installed: r[12], sourceId: r[13], parentId: r[14], pulled: r[15] === 1,
});

/** An image's id and name: what selecting images by name reads of each. */
export interface NamedImage {
  id: number;
  name: string;
}

const namedImages = (rows: [number, string][]): NamedImage[] => rows.map((r) => ({ id: r[0], name: r[1] }));

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
    return (this.db.prepare(`SELECT ${COLUMNS} FROM images ORDER BY id`).raw().all() as Row[]).map(imageRecord);
  }

  /** The records of these ids that exist, in id order. */
  byIds(ids: readonly number[]): ImageRecord[] {
    return (
      this.db.prepare(`SELECT ${COLUMNS} FROM images WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).raw().all(JSON.stringify(ids)) as Row[]
    ).map(imageRecord);
  }

  /**
   * Every image's summary, or those of these ids that exist, in id order. A store of 10,000 images
   * reads so in a third of the time of their records, and keeps a third of the memory.
   */
  summaries(ids?: readonly number[]): ImageSummary[] {
    // Rows as objects: with four columns the driver makes them as fast as arrays could be mapped,
    // and no array per row is kept alive meanwhile.
    return (
      ids
        ? this.db.prepare(`SELECT ${SUMMARY} FROM images WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).all(JSON.stringify(ids))
        : this.db.prepare(`SELECT ${SUMMARY} FROM images ORDER BY id`).all()
    ) as ImageSummary[];
  }

  /**
   * Per image, its layers' content bytes summed (docker's SIZE) and how many of its layers were
   * recorded without a count (before schema 9), whose bytes the sum lacks.
   */
  contentTotals(): Map<number, { bytes: number; uncounted: number }> {
    const rows = this.db
      .prepare(
        `SELECT il.image_id, coalesce(sum(l.content_bytes), 0), count(*) - count(l.content_bytes)
         FROM image_layers il JOIN layers l ON l.id = il.layer_id GROUP BY il.image_id`,
      )
      .raw()
      .all() as [number, number, number][];
    return new Map(rows.map(([id, bytes, uncounted]) => [id, { bytes, uncounted }]));
  }

  /** The ids of the images that are some image's ParentImage. */
  parents(): Set<number> {
    const rows = this.db.prepare('SELECT DISTINCT parent_image_id FROM images WHERE parent_image_id IS NOT NULL').pluck().all() as number[];
    return new Set(rows);
  }

  /** How many images are installed (SQLite counts the smallest index). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  }

  /** Every image's id and name, which SQLite reads from the index on names alone, a small part of the table's pages. */
  names(): NamedImage[] {
    return namedImages(this.db.prepare('SELECT id, name FROM images').raw().all() as [number, string][]);
  }

  /**
   * The ids and names of the images whose name begins with `prefix`, ASCII letters compared
   * without case (SQLite's NOCASE), every other character exactly: a range of the index on names.
   */
  namesStartingWith(prefix: string): NamedImage[] {
    if (prefix === '') return this.names();
    // NOCASE compares names with A-Z folded to a-z: every name with the prefix sorts from the
    // folded prefix up to, not including, it with its last character one higher. Folded first,
    // or 'Z' + 1 would be '[', which sorts below the 'z' NOCASE compares 'Z' as.
    const from = prefix.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const end = from.slice(0, -1) + String.fromCharCode(from.charCodeAt(from.length - 1) + 1);
    const rows = this.db.prepare('SELECT id, name FROM images WHERE name >= ? COLLATE NOCASE AND name < ? COLLATE NOCASE').raw().all(from, end);
    return namedImages(rows as [number, string][]);
  }

  /**
   * Records an image over layers that are already recorded (ids base first), in one transaction
   * (a savepoint in the caller's), with its tag if it has one (see tag()).
   */
  add(img: NewImage, layerIds: number[]): ImageRecord {
    return keepingLineage(this.db, () => {
      const info = this.db
        .prepare(
          `INSERT INTO images (name, publisher, version, description, repository, manifest_digest,
             config_digest, platform, size, created, installed, source_id, pulled)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          img.name, img.publisher, img.version, img.description, img.repository, img.manifestDigest,
          img.configDigest, img.platform, img.size, img.created, img.installed, img.sourceId, img.pulled ? 1 : 0,
        );
      const id = Number(info.lastInsertRowid);
      if (img.tag !== null) this.tag(id, img.repository, img.tag);
      const link = this.db.prepare('INSERT INTO image_layers (image_id, position, layer_id) VALUES (?, ?, ?)');
      layerIds.forEach((layerId, position) => link.run(id, position, layerId));
      this.linkChain(layerIds);
      const top = layerIds.at(-1);
      this.db.prepare('UPDATE images SET top_layer_id = ? WHERE id = ?').run(top ?? null, id);
      // Its own parent, and that of every image above its top it is now the nearest image below.
      if (top !== undefined) reparentImagesUsing(this.db, top);
      return this.byId(id)!;
    });
  }

  /**
   * Gives an image a tag in its repository. A tag names one image, as in docker: an image that
   * had it loses it, and stays (by its digest) until removed.
   */
  tag(imageId: number, repository: string, tag: string): void {
    this.db
      .prepare('INSERT INTO image_tags (repository, tag, image_id) VALUES (?, ?, ?) ON CONFLICT (repository, tag) DO UPDATE SET image_id = excluded.image_id')
      .run(repository, tag, imageId);
  }

  /** Takes a tag away from the image it names; false when no image had it. */
  untag(repository: string, tag: string): boolean {
    return this.db.prepare('DELETE FROM image_tags WHERE repository = ? AND tag = ?').run(repository, tag).changes > 0;
  }

  /** Forgets that a registry serves the image by its manifest digest (docker rmi repo@digest of a tagged image). */
  unpull(imageId: number): void {
    this.db.prepare('UPDATE images SET pulled = 0 WHERE id = ?').run(imageId);
  }

  /** An image's tags, in order. */
  tagsOf(imageId: number): string[] {
    return this.db.prepare('SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag').pluck().all(imageId) as string[];
  }

  /** Every image's tags, in order, by image id. */
  allTags(): Map<number, string[]> {
    const tags = new Map<number, string[]>();
    for (const [id, tag] of this.db.prepare('SELECT image_id, tag FROM image_tags ORDER BY image_id, tag').raw().all() as [number, string][]) {
      const list = tags.get(id);
      if (list) list.push(tag);
      else tags.set(id, [tag]);
    }
    return tags;
  }

  /**
   * Records each layer's parent, the one below it in the chain, which lineage is read from
   * (store/lineage.ts). A chain id names its whole stack, so a recorded parent never differs;
   * if one does, two stacks share a chain id and the image is refused rather than mislinked.
   */
  private linkChain(layerIds: number[]): void {
    const set = this.db.prepare('UPDATE layers SET parent_id = ? WHERE id = ? AND parent_id IS NULL');
    const get = this.db.prepare('SELECT parent_id AS parentId, chain_id AS chainId FROM layers WHERE id = ?');
    layerIds.forEach((layerId, position) => {
      const below = position === 0 ? null : layerIds[position - 1]!;
      if (below !== null) set.run(below, layerId);
      const row = get.get(layerId) as { parentId: number | null; chainId: string };
      if (row.parentId !== below) {
        throw failed(`layer ${row.chainId} is recorded on another layer below it than this image has; its chain id names two different layer stacks`, {
          hint: 'the image is not installed; check that its layers are what the registry published',
        });
      }
    });
  }

  /**
   * Deletes an image record; false when it was already gone. Its id alone could name another
   * image by now (SQLite reuses the ids of deleted rows), so the repository and manifest must match too.
   */
  remove(img: Pick<ImageRecord, 'id' | 'repository' | 'manifestDigest'>): boolean {
    // One transaction (a savepoint in the caller's): the row deleted is the one matched, and no
    // image is left with the parent it had.
    return keepingLineage(this.db, () => {
      const row = this.db
        .prepare('DELETE FROM images WHERE id = ? AND repository = ? AND manifest_digest = ? RETURNING top_layer_id AS top')
        .get(img.id, img.repository, img.manifestDigest) as { top: number | null } | undefined;
      // The images above its top: their nearest image below may be another now (a twin).
      if (row && row.top !== null) reparentImagesUsing(this.db, row.top);
      return row !== undefined;
    });
  }

  /** Images with this layer anywhere in their chain. */
  usingLayer(layerId: number): ImageRecord[] {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM images WHERE id IN (SELECT image_id FROM image_layers WHERE layer_id = ?) ORDER BY id`)
      .all(layerId) as ImageRecord[];
  }

  /** Whether an installed image has this config (docker's image id). */
  hasConfig(configDigest: string): boolean {
    return this.db.prepare('SELECT 1 FROM images WHERE config_digest = ? LIMIT 1').get(configDigest) !== undefined;
  }

  /** Any image (in whatever repository) with this manifest digest. */
  anyByManifestDigest(manifestDigest: string): ImageRecord | undefined {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM images WHERE manifest_digest = ? ORDER BY id LIMIT 1`)
      .get(manifestDigest) as ImageRecord | undefined;
  }
}
