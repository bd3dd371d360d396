/**
 * The ParentImage rule, applied when an image is added or removed, its answer kept in
 * `images.parent_image_id` (migration 8) for every read of lineage (lineage.ts).
 *
 * The rule: an image's ParentImage is the installed image whose layer chain is the longest strict
 * prefix of its own, the one installed first (lowest id) when several have that chain; an image
 * with none is an OS image. It is answered by walking two indexed columns (migration 6):
 * `layers.parent_id`, the layer below in the chain, and `images.top_layer_id`. Walking toward the
 * base from the layer below an image's top, the first layer that is some image's top is its
 * parent's (images with the image's own top, its twins, are never its parent), and of the images
 * with that top the lowest id, the top's "owner", is the parent.
 *
 * Adding or removing an image with top layer T changes whether T is a top, or its owner, and so
 * the parent of exactly the images with T in their chains: those are walked again. A listing of
 * 10,000 images then reads one column instead of walking every layer (about 24 ms of SQLite).
 *
 * Every change to `images` also marks the lineage stale (migration 8's triggers), so that one
 * made by a ctrimg that does not keep the column (older than migration 8, still running) is
 * seen: the next write transaction, or the next command's start, walks every parent again.
 * Changes made here clear the mark they made.
 */
import type { Db } from './db.js';

/** True when the layer is some image's top. */
const IS_TOP = (layer: string) => `EXISTS (SELECT 1 FROM images t WHERE t.top_layer_id = ${layer})`;

/** The images with this layer (a bound parameter) anywhere in their chains. */
const USING_LAYER = 'SELECT image_id FROM image_layers WHERE layer_id = ?';

/**
 * Walks the images `starts` names (a condition on `i.id`) toward the base: the layers below each
 * image's top, nearest first, stopping after the first that is some image's top.
 */
const UP_TO_PARENT = (starts: string) => `
  up(image_id, layer_id) AS (
    SELECT i.id, l.parent_id FROM images i JOIN layers l ON l.id = i.top_layer_id WHERE ${starts} AND l.parent_id IS NOT NULL
    UNION ALL
    SELECT up.image_id, l.parent_id FROM up JOIN layers l ON l.id = up.layer_id
    WHERE l.parent_id IS NOT NULL AND NOT ${IS_TOP('up.layer_id')}
  )`;

/**
 * Sets the parent of every image with `layerId` in its chain, by the rule, after an image with
 * that top layer was added or removed. Run inside the transaction that added or removed it.
 */
export function reparentImagesUsing(db: Db, layerId: number): void {
  db.prepare(`UPDATE images SET parent_image_id = NULL WHERE id IN (${USING_LAYER})`).run(layerId);
  // Only an image's last row of the walk reaches a layer that is a top: the lowest id of the
  // images with that top is the parent.
  db.prepare(
    `WITH RECURSIVE ${UP_TO_PARENT(`i.id IN (${USING_LAYER})`)},
       found(image_id, parent_id) AS (SELECT up.image_id, min(t.id) FROM up CROSS JOIN images t ON t.top_layer_id = up.layer_id GROUP BY up.image_id)
     UPDATE images SET parent_image_id = found.parent_id FROM found WHERE found.image_id = images.id`,
  ).run(layerId);
}

/** Where migration 8's triggers mark a change to images that the column may not follow. */
const STALE = "SELECT 1 FROM settings WHERE key = 'lineage'";

/** Whether an image was added or removed without its parents being set again. */
export function lineageStale(db: Db): boolean {
  return db.prepare(STALE).get() !== undefined;
}

/**
 * Adds or removes images with `change`, which sets the parents it changes (reparentImagesUsing),
 * in one transaction (a savepoint in the caller's); then clears the stale mark the triggers made,
 * after walking every parent again if the mark was there before (another ctrimg's change).
 */
export function keepingLineage<T>(db: Db, change: () => T): T {
  return db.transaction(() => {
    const before = lineageStale(db);
    const result = change();
    if (before) reparentAll(db);
    db.prepare("DELETE FROM settings WHERE key = 'lineage'").run();
    return result;
  })();
}

/** Walks every parent again if the lineage is marked stale, and clears the mark. */
export function healLineage(db: Db): void {
  if (lineageStale(db)) keepingLineage(db, () => undefined);
}

/**
 * Every image's parent, walking down from the base layers with the owner of the nearest top
 * below each layer: one walk of every layer (about 24 ms among 10,000 images).
 */
function reparentAll(db: Db): void {
  db.prepare('UPDATE images SET parent_image_id = NULL').run();
  db.prepare(
    `WITH RECURSIVE below(layer_id, parent_id) AS (
       SELECT l.id, NULL FROM layers l WHERE l.parent_id IS NULL
       UNION ALL
       SELECT c.id, coalesce((SELECT min(t.id) FROM images t WHERE t.top_layer_id = below.layer_id), below.parent_id)
       FROM below JOIN layers c ON c.parent_id = below.layer_id
     )
     UPDATE images SET parent_image_id = below.parent_id FROM below WHERE below.layer_id = images.top_layer_id`,
  ).run();
}
