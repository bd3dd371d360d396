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
