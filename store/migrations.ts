/**
 * Ordered schema migrations, applied by `PRAGMA user_version`: migration i (1-based) runs
 * when user_version < i, inside one transaction with the version bump. Never edit a
 * migration that has shipped; add the next one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    description: 'sources, layers, images, image layers, containers',
    sql: `
      CREATE TABLE sources (
        id        INTEGER PRIMARY KEY,
        name      TEXT NOT NULL UNIQUE COLLATE NOCASE,
        location  TEXT NOT NULL,
        namespace TEXT,
        publisher TEXT,
        insecure  INTEGER NOT NULL DEFAULT 0 CHECK (insecure IN (0, 1)),
        created   TEXT NOT NULL
      );

      CREATE TABLE layers (
        id          INTEGER PRIMARY KEY,
        chain_id    TEXT NOT NULL UNIQUE,
        diff_id     TEXT NOT NULL,
        blob_digest TEXT NOT NULL,
        media_type  TEXT NOT NULL,
        size        INTEGER NOT NULL,
        location    TEXT NOT NULL
      );

      CREATE TABLE images (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL,
        publisher       TEXT,
        version         TEXT,
        description     TEXT,
        repository      TEXT NOT NULL,
        tag             TEXT,
        manifest_digest TEXT NOT NULL,
        config_digest   TEXT NOT NULL,
        platform        TEXT NOT NULL,
        size            INTEGER NOT NULL,
        created         TEXT,
        installed       TEXT NOT NULL,
        source_id       INTEGER REFERENCES sources(id) ON DELETE SET NULL,
        top_layer_id    INTEGER REFERENCES layers(id),
        UNIQUE (repository, manifest_digest)
      );
      CREATE INDEX images_name ON images(name COLLATE NOCASE);
      CREATE INDEX images_top_layer ON images(top_layer_id);

      CREATE TABLE image_layers (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        layer_id INTEGER NOT NULL REFERENCES layers(id),
        PRIMARY KEY (image_id, position)
      );
      CREATE INDEX image_layers_layer ON image_layers(layer_id);

      CREATE TABLE containers (
        id       INTEGER PRIMARY KEY,
        cid      TEXT NOT NULL UNIQUE,
        name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE RESTRICT,
        state    TEXT NOT NULL CHECK (state IN ('Off', 'Running', 'Paused', 'Stopped')),
        path     TEXT NOT NULL,
        created  TEXT NOT NULL,
        started  TEXT
      );
      CREATE INDEX containers_image ON containers(image_id);
    `,
  },
  {
    version: 2,
    description: 'mirrors of a source, tried in order before its location',
    sql: `
      CREATE TABLE source_mirrors (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        url       TEXT NOT NULL,
        PRIMARY KEY (source_id, position)
      );
    `,
  },
  {
    version: 3,
    description: 'store-wide settings, such as the layer importer a store was created with',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: 'identities, not paths: layer and container directories are derived from the store root',
    // The paths were absolute as spelled when written: wrong once the store is moved, copied or
    // reached another way, and what a removal deleted. Chain id and cid say the same, safely.
    sql: `
      ALTER TABLE layers DROP COLUMN location;
      ALTER TABLE containers DROP COLUMN path;
    `,
  },
  {
    version: 5,
    description: 'images.top_layer_id dropped: written, never read; image_layers holds the whole chain',
    // SQLite drops no indexed column: its index goes first.
    sql: `
      DROP INDEX images_top_layer;
      ALTER TABLE images DROP COLUMN top_layer_id;
    `,
  },
  {
    version: 6,
    description: 'lineage in indexed columns: each layer its parent layer in the chain, each image its top layer',
    // A chain id names the whole stack below it, so a layer has one parent whichever image it
    // is in, and an image's chain is its top layer followed up through parent_id. Lineage is
    // then a walk over two indexes (store/lineage.ts) instead of every image's chain in memory.
    // Backfilled from image_layers; a layer no image uses keeps a NULL parent (the sweep
    // deletes it, and a later install that uses it again sets it).
    sql: `
      ALTER TABLE layers ADD COLUMN parent_id INTEGER REFERENCES layers(id) ON DELETE SET NULL;
      ALTER TABLE images ADD COLUMN top_layer_id INTEGER REFERENCES layers(id);
      UPDATE layers SET parent_id = (
        SELECT below.layer_id FROM image_layers cur
        JOIN image_layers below ON below.image_id = cur.image_id AND below.position = cur.position - 1
        WHERE cur.layer_id = layers.id LIMIT 1);
      UPDATE images SET top_layer_id = (
        SELECT layer_id FROM image_layers WHERE image_id = images.id ORDER BY position DESC LIMIT 1);
      CREATE INDEX layers_parent ON layers(parent_id);
      CREATE INDEX images_top_layer ON images(top_layer_id, id);
    `,
  },
  {
    version: 7,
    description: 'the index on top layers covers what a listing shows of an image',
    // A walk down the lineage joins images by top layer and lists their name, publisher and
    // version: with those in the index, 1,805 descendants among 10,000 images are read from its
    // pages alone, not from as many scattered rows of the table (about 8 ms of a cold listing).
    sql: `
      DROP INDEX images_top_layer;
      CREATE INDEX images_top_layer ON images(top_layer_id, id, name, publisher, version);
    `,
  },
  {
    version: 8,
    description: "each image's ParentImage kept in a column, set when images are added or removed",
    // Listing every image walked every layer from the bases to find the parents, about 24 ms of
    // SQLite in a store of 10,000 images; each image's parent is now kept (store/parents.ts keeps
    // it), and lineage reads it through an index that covers what a listing shows. The top-layer
    // index goes back to what the walks of store/parents.ts look up. Backfilled by the same rule,
    // walking down from the base layers with the owner (lowest image id) of the nearest top below.
    // A ctrimg from before this migration, still running when another one applied it (a long
    // install during an upgrade), adds or removes images without keeping the column: triggers
    // mark the lineage stale on every change to images, and store/parents.ts walks every parent
    // again when it finds the mark (a trigger cannot run that recursive walk itself).
    sql: `
      ALTER TABLE images ADD COLUMN parent_image_id INTEGER;
      DROP INDEX images_top_layer;
      CREATE INDEX images_top_layer ON images(top_layer_id, id);
      WITH RECURSIVE below(layer_id, parent_id) AS (
        SELECT l.id, NULL FROM layers l WHERE l.parent_id IS NULL
        UNION ALL
        SELECT c.id, coalesce((SELECT min(t.id) FROM images t WHERE t.top_layer_id = below.layer_id), below.parent_id)
        FROM below JOIN layers c ON c.parent_id = below.layer_id
      )
      UPDATE images SET parent_image_id = below.parent_id FROM below WHERE below.layer_id = images.top_layer_id;
      CREATE INDEX images_parent ON images(parent_image_id, id, name, publisher, version);
      CREATE TRIGGER images_added_lineage AFTER INSERT ON images
        BEGIN INSERT OR REPLACE INTO settings (key, value) VALUES ('lineage', 'stale'); END;
      CREATE TRIGGER images_removed_lineage AFTER DELETE ON images
        BEGIN INSERT OR REPLACE INTO settings (key, value) VALUES ('lineage', 'stale'); END;
      CREATE TRIGGER images_top_lineage AFTER UPDATE OF top_layer_id ON images
        BEGIN INSERT OR REPLACE INTO settings (key, value) VALUES ('lineage', 'stale'); END;
    `,
  },
  {
    version: 9,
    description: "each layer's content bytes (the size docker shows for it); tags in a table of their own, one image per repository and tag",
    // content_bytes is NULL for a layer imported before (or by a ctrimg from before) this
    // migration: nothing counted it, and SQL cannot; a view that needs it measures the layer's
    // directory instead. As in docker, an image may have several tags in its repository and a
    // tag names one image: the tag an image was installed by becomes its row here, the newest
    // image keeping a tag several had. images.tag stays, never read again: a ctrimg from before
    // this migration still running (a long install during an upgrade) records its image with it
    // (that image then has no tag here). Images are found by config digest (docker's image id).
    // `pulled`: the manifest digest is one a registry serves the image by (docker's RepoDigests),
    // which an image loaded from a file or committed lacks. Every image recorded before counts
    // as pulled: most came from a registry; a committed one (New-ContainerImage, one stop older
    // than this) then shows a digest docker would not, which rmi of it takes away.
    sql: `
      ALTER TABLE layers ADD COLUMN content_bytes INTEGER;
      CREATE TABLE image_tags (
        repository TEXT NOT NULL,
        tag        TEXT NOT NULL,
        image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        PRIMARY KEY (repository, tag)
      );
      CREATE INDEX image_tags_image ON image_tags(image_id, tag);
      INSERT INTO image_tags (repository, tag, image_id)
        SELECT repository, tag, max(id) FROM images WHERE tag IS NOT NULL GROUP BY repository, tag;
      ALTER TABLE images ADD COLUMN pulled INTEGER NOT NULL DEFAULT 1 CHECK (pulled IN (0, 1));
      CREATE INDEX images_config ON images(config_digest);
    `,
  },
];
