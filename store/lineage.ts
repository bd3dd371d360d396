/**
 * Image lineage, read from each image's parent as store/parents.ts keeps it (its rule is there):
 * `images.parent_image_id`, indexed with what a listing shows of an image (migration 8), so a
 * walk down reads the index alone.
 */
import { ContainerQueries, type ContainerRecord } from './containers.js';
import type { Db } from './db.js';
import { imageColumns as columnsOf, type ImageRecord, type ImageSummary } from './images.js';

/**
 * The images below the images `starts` names (a condition on `c.parent_image_id`): children
 * (generation 1), their children (2), and so on, each with its parent's id and its summary.
 */
const DOWN_FROM = (starts: string) => `
  down(id, generation, parent_id, name, publisher, version) AS (
    SELECT c.id, 1, c.parent_image_id, c.name, c.publisher, c.version FROM images c WHERE ${starts}
    UNION ALL
    SELECT c.id, down.generation + 1, c.parent_image_id, c.name, c.publisher, c.version
    FROM down JOIN images c ON c.parent_image_id = down.id
  )`;

/*
 * The walks' rows are joined to images with CROSS JOIN, which SQLite never reorders: left to
 * itself it may scan every image against the walk's few rows.
 */

/** A descendant's summary, its generation below the image walked from, and its parent's id. */
export interface DescendantSummary extends ImageSummary {
  generation: number;
  parentId: number;
}

export interface Dependents {
  /** Containers created from the image, whatever their state. */
  containers: ContainerRecord[];
  /** Installed images whose ParentImage it is. */
  children: ImageRecord[];
}

export class LineageQueries {
  private readonly containers: ContainerQueries;

  constructor(private readonly db: Db) {
    this.containers = new ContainerQueries(db);
  }

  /** ParentImage, its ParentImage, and so on up to the OS image: nearest first. */
  ancestors(imageId: number): ImageRecord[] {
    return this.db
      .prepare(
        `WITH RECURSIVE chain(id, depth) AS (
           SELECT parent_image_id, 1 FROM images WHERE id = ? AND parent_image_id IS NOT NULL
           UNION ALL
           SELECT i.parent_image_id, depth + 1 FROM chain JOIN images i ON i.id = chain.id WHERE i.parent_image_id IS NOT NULL
         )
         SELECT ${columnsOf('a')} FROM chain CROSS JOIN images a ON a.id = chain.id ORDER BY chain.depth`,
      )
      .all(imageId) as ImageRecord[];
  }

  /** Images whose ParentImage is this image, in install order. */
  children(imageId: number): ImageRecord[] {
    return this.db.prepare(`SELECT ${columnsOf('c')} FROM images c WHERE c.parent_image_id = ? ORDER BY c.id`).all(imageId) as ImageRecord[];
  }

  /**
   * Children (generation 1), their children (2), and so on: every image with this one among its
   * ancestors, by generation, then in install order.
   */
  descendants(imageId: number): { image: ImageRecord; generation: number }[] {
    const rows = this.db
      .prepare(
        `WITH RECURSIVE ${DOWN_FROM('c.parent_image_id = ?')}
         SELECT down.generation, ${columnsOf('c')} FROM down CROSS JOIN images c ON c.id = down.id ORDER BY down.generation, c.id`,
      )
      .all(imageId) as (ImageRecord & { generation: number })[];
    return rows.map(({ generation, ...image }) => ({ image, generation }));
  }

  /**
   * The descendants of these images, in one walk, as `descendants` orders them, each as its
   * summary with its generation (below the nearest of the images it descends from; one that
   * descends from two of them comes once per walk) and its parent's id: all a listing of the
   * default columns needs of them, read from the index on parents alone. Each row is one object
   * as the driver makes it: no array and no further object per descendant.
   */
  descendantSummaries(imageIds: readonly number[]): DescendantSummary[] {
    return this.db
      .prepare(
        `WITH RECURSIVE ${DOWN_FROM('c.parent_image_id IN (SELECT value FROM json_each(?))')}
         SELECT id, name, publisher, version, generation, parent_id AS parentId FROM down ORDER BY generation, id`,
      )
      .all(JSON.stringify(imageIds)) as DescendantSummary[];
  }

  /** What keeps an image from being removed (DESIGN rule 1): its containers and its child images. */
  dependents(imageId: number): Dependents {
    return { containers: this.containers.ofImage(imageId), children: this.children(imageId) };
  }

  /** The number of layers in each image's chain: a child's is always longer than its parent's. */
  chainLengths(ids: readonly number[]): Map<number, number> {
    const rows = this.db
      .prepare(
        `SELECT image_id AS id, count(*) AS n FROM image_layers
         WHERE image_id IN (SELECT value FROM json_each(?)) GROUP BY image_id`,
      )
      .all(JSON.stringify(ids)) as { id: number; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }
}
