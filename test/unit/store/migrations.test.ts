import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDb, schemaVersion } from '../../../store/db.js';
import { Store } from '../../../store/index.js';
import { migrations } from '../../../store/migrations.js';
import { parentIdsOf } from '../../support/lineage.js';

/** An image's chain ids, base first, read as any schema since migration 1 keeps them (the store's queries read the newest schema). */
function chainOf(db: Database.Database, imageId: number): string[] {
  const rows = db.prepare('SELECT l.chain_id AS c FROM image_layers il JOIN layers l ON l.id = il.layer_id WHERE il.image_id = ? ORDER BY il.position').all(imageId);
  return (rows as { c: string }[]).map((r) => r.c);
}

function columns(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

describe('store migrations', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ctrimg-db-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are numbered 1..n without gaps', () => {
    assert.deepEqual(
      migrations.map((m) => m.version),
      migrations.map((_, i) => i + 1),
    );
  });

  it('open a new database in WAL mode with foreign keys and a busy timeout', () => {
    const db = openDb(join(dir, 'a.db'));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 30000);
    assert.equal(schemaVersion(db), migrations.length);
    db.close();
  });

  describe('migration 1', () => {
    let db: Database.Database;
    beforeEach(() => {
      db = new Database(join(dir, 'm1.db'));
      db.pragma('foreign_keys = ON');
      migrate(db, migrations.slice(0, 1));
    });
    afterEach(() => db.close());

    it('sets user_version to 1 and creates the tables the issue names', () => {
      assert.equal(schemaVersion(db), 1);
      assert.deepEqual(columns(db, 'sources'), ['id', 'name', 'location', 'namespace', 'publisher', 'insecure', 'created']);
      for (const c of ['name', 'publisher', 'version', 'repository', 'tag', 'manifest_digest', 'config_digest', 'platform', 'size', 'created']) {
        assert.ok(columns(db, 'images').includes(c), `images.${c}`);
      }
      assert.deepEqual(columns(db, 'layers'), ['id', 'chain_id', 'diff_id', 'blob_digest', 'media_type', 'size', 'location']);
      assert.deepEqual(columns(db, 'image_layers'), ['image_id', 'position', 'layer_id']);
      assert.ok(columns(db, 'containers').includes('image_id'));
    });

    it('refuses to delete an image a container was created from, and cascades its layer links', () => {
      db.exec(`
        INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size, location) VALUES ('c1', 'd1', 'b1', 'm', 1, 'l');
        INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed)
          VALUES ('n', 'r', 'm1', 'c1', 'linux/amd64', 1, 'now');
        INSERT INTO image_layers VALUES (1, 0, 1);
        INSERT INTO containers (cid, name, image_id, state, path, created) VALUES ('x', 'c1', 1, 'Stopped', 'p', 'now');
      `);
      assert.throws(() => db.exec('DELETE FROM images WHERE id = 1'), /FOREIGN KEY/);
      db.exec('DELETE FROM containers');
      db.exec('DELETE FROM images WHERE id = 1');
      assert.equal((db.prepare('SELECT count(*) AS n FROM image_layers').get() as { n: number }).n, 0);
    });

    it('keeps container names unique regardless of case and rejects unknown states', () => {
      db.exec(`INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed)
               VALUES ('n', 'r', 'm1', 'c1', 'linux/amd64', 1, 'now')`);
      const add = db.prepare(`INSERT INTO containers (cid, name, image_id, state, path, created) VALUES (?, ?, 1, ?, 'p', 'now')`);
      add.run('a', 'Web', 'Off');
      assert.throws(() => add.run('b', 'web', 'Off'), /UNIQUE/);
      assert.throws(() => add.run('c', 'other', 'Exploded'), /CHECK/);
    });
  });

  describe('migration 2', () => {
    it('adds ordered mirrors per source, removed with their source', () => {
      const db = new Database(join(dir, 'm2.db'));
      db.pragma('foreign_keys = ON');
      migrate(db, migrations.slice(0, 1));
      db.exec(`INSERT INTO sources (name, location, created) VALUES ('s', 'http://127.0.0.1:1', 'now')`);
      migrate(db, migrations.slice(0, 2));
      assert.equal(schemaVersion(db), 2);
      assert.deepEqual(columns(db, 'source_mirrors'), ['source_id', 'position', 'url']);
      const add = db.prepare('INSERT INTO source_mirrors VALUES (?, ?, ?)');
      add.run(1, 0, 'http://127.0.0.1:2');
      add.run(1, 1, 'http://127.0.0.1:3');
      assert.throws(() => add.run(1, 1, 'http://127.0.0.1:4'), /UNIQUE|PRIMARY KEY/);
      assert.throws(() => add.run(7, 0, 'http://127.0.0.1:4'), /FOREIGN KEY/);
      db.exec('DELETE FROM sources');
      assert.equal((db.prepare('SELECT count(*) AS n FROM source_mirrors').get() as { n: number }).n, 0);
      db.close();
    });
  });

  describe('migration 3', () => {
    it('adds a key/value settings table with unique keys', () => {
      const db = new Database(join(dir, 'm3.db'));
      migrate(db, migrations.slice(0, 3));
      assert.equal(schemaVersion(db), 3);
      assert.deepEqual(columns(db, 'settings'), ['key', 'value']);
      db.exec(`INSERT INTO settings VALUES ('importer', 'dir')`);
      assert.throws(() => db.exec(`INSERT INTO settings VALUES ('importer', 'hcs')`), /UNIQUE|PRIMARY KEY/);
      assert.throws(() => db.exec(`INSERT INTO settings VALUES ('x', NULL)`), /NOT NULL/);
      db.close();
    });
  });

  describe('migration 4', () => {
    it('drops the recorded layer and container paths, keeping every row and its identity', () => {
      const db = new Database(join(dir, 'm4.db'));
      db.pragma('foreign_keys = ON');
      migrate(db, migrations.slice(0, 3));
      db.exec(`
        INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size, location) VALUES ('sha256:c1', 'd1', 'b1', 'm', 1, '/old/root/layers/c1');
        INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed, top_layer_id)
          VALUES ('n', 'r', 'm1', 'c1', 'linux/amd64', 1, 'now', 1);
        INSERT INTO image_layers VALUES (1, 0, 1);
        INSERT INTO containers (cid, name, image_id, state, path, created) VALUES ('x1', 'web1', 1, 'Off', '/old/root/containers/x1', 'now');
      `);
      migrate(db, migrations.slice(0, 4));
      assert.equal(schemaVersion(db), 4);
      assert.deepEqual(columns(db, 'layers'), ['id', 'chain_id', 'diff_id', 'blob_digest', 'media_type', 'size']);
      assert.ok(!columns(db, 'containers').includes('path'));
      const store = new Store(db);
      assert.equal((db.prepare(`SELECT id FROM layers WHERE chain_id = 'sha256:c1'`).get() as { id: number }).id, 1);
      assert.deepEqual(chainOf(db, 1), ['sha256:c1']);
      assert.equal(store.containers.byName('web1')?.cid, 'x1');
      assert.throws(() => db.exec('DELETE FROM images WHERE id = 1'), /FOREIGN KEY/, 'the container still keeps its image');
      db.close();
    });
  });

  describe('migration 5', () => {
    it('drops images.top_layer_id and its index, keeping every image, its chain and what depends on it', () => {
      const db = new Database(join(dir, 'm5.db'));
      db.pragma('foreign_keys = ON');
      migrate(db, migrations.slice(0, 4));
      db.exec(`
        INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size) VALUES ('sha256:c1', 'd1', 'b1', 'm', 1), ('sha256:c2', 'd2', 'b2', 'm', 2);
        INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed, top_layer_id)
          VALUES ('base', 'r/base', 'm1', 'c1', 'linux/amd64', 1, 'then', 1), ('app', 'r/app', 'm2', 'c2', 'linux/amd64', 3, 'now', 2);
        INSERT INTO image_layers VALUES (1, 0, 1), (2, 0, 1), (2, 1, 2);
        INSERT INTO containers (cid, name, image_id, state, created) VALUES ('x1', 'web1', 2, 'Off', 'now');
      `);
      const before = db.prepare('SELECT id, name, repository, manifest_digest, installed FROM images ORDER BY id').all();
      migrate(db, migrations.slice(0, 5));
      assert.equal(schemaVersion(db), 5);
      assert.ok(!columns(db, 'images').includes('top_layer_id'));
      assert.equal((db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'images_top_layer'`).get() as { n: number }).n, 0);
      assert.deepEqual(db.prepare('SELECT id, name, repository, manifest_digest, installed FROM images ORDER BY id').all(), before);
      const store = new Store(db);
      const images = db.prepare('SELECT id, name FROM images ORDER BY id').all() as { id: number; name: string }[];
      assert.deepEqual(images.map((i) => [i.name, chainOf(db, i.id)]), [['base', ['sha256:c1']], ['app', ['sha256:c1', 'sha256:c2']]]);
      assert.equal(store.containers.byName('web1')?.cid, 'x1');
      assert.throws(() => db.exec('DELETE FROM images WHERE id = 2'), /FOREIGN KEY/, 'the container still keeps its image');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      db.close();
    });
  });

  describe('migration 6', () => {
    it('gives each layer its parent in the chain and each image its top layer, indexed, from the existing rows', () => {
      const db = new Database(join(dir, 'm6.db'));
      db.pragma('foreign_keys = ON');
      migrate(db, migrations.slice(0, 5));
      db.exec(`
        INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size) VALUES
          ('sha256:c1', 'd1', 'b1', 'm', 1), ('sha256:c2', 'd2', 'b2', 'm', 1), ('sha256:c3', 'd3', 'b3', 'm', 1),
          ('sha256:x2', 'dx', 'bx', 'm', 1), ('sha256:unused', 'du', 'bu', 'm', 1);
        INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed) VALUES
          ('base', 'r/base', 'm1', 'k1', 'linux/amd64', 1, 't'), ('app', 'r/app', 'm2', 'k2', 'linux/amd64', 1, 't'),
          ('twin', 'r/twin', 'm3', 'k3', 'linux/amd64', 1, 't'), ('other', 'r/other', 'm4', 'k4', 'linux/amd64', 1, 't');
        INSERT INTO image_layers VALUES (1, 0, 1), (2, 0, 1), (2, 1, 2), (2, 2, 3), (3, 0, 1), (3, 1, 2), (3, 2, 3), (4, 0, 1), (4, 1, 4);
        INSERT INTO containers (cid, name, image_id, state, created) VALUES ('x1', 'web1', 2, 'Running', 'now');
      `);
      migrate(db, migrations.slice(0, 6));
      assert.equal(schemaVersion(db), 6);
      assert.deepEqual(db.prepare('SELECT chain_id AS c, parent_id AS p FROM layers ORDER BY id').all(), [
        { c: 'sha256:c1', p: null }, { c: 'sha256:c2', p: 1 }, { c: 'sha256:c3', p: 2 }, { c: 'sha256:x2', p: 1 }, { c: 'sha256:unused', p: null },
      ]);
      assert.deepEqual(db.prepare('SELECT name, top_layer_id AS top FROM images ORDER BY id').all(), [
        { name: 'base', top: 1 }, { name: 'app', top: 3 }, { name: 'twin', top: 3 }, { name: 'other', top: 4 },
      ]);
      const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('layers_parent', 'images_top_layer') ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
      assert.deepEqual(indexes, ['images_top_layer', 'layers_parent']);
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM layers WHERE parent_id = 1`).all() as { detail: string }[];
      assert.match(plan.map((p) => p.detail).join(' '), /USING (COVERING )?INDEX layers_parent/);
      // Lineage is read as the newest schema keeps it.
      migrate(db, migrations);
      const store = new Store(db);
      assert.deepEqual(parentIdsOf(store), new Map([[2, 1], [3, 1], [4, 1]]));
      assert.deepEqual(store.lineage.dependents(1).children.map((i) => i.name), ['app', 'twin', 'other']);
      assert.deepEqual(store.lineage.dependents(2).containers.map((c) => c.name), ['web1']);
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      db.close();
    });
  });

  describe('migration 7', () => {
    it('makes the index on top layers cover id, name, publisher and version, which a walk down then reads alone', () => {
      const db = new Database(join(dir, 'm7.db'));
      migrate(db, migrations.slice(0, 6));
      db.exec(`
        INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size) VALUES ('sha256:c1', 'd1', 'b1', 'm', 1), ('sha256:c2', 'd2', 'b2', 'm', 1);
        UPDATE layers SET parent_id = 1 WHERE id = 2;
        INSERT INTO images (name, publisher, version, repository, manifest_digest, config_digest, platform, size, installed, top_layer_id) VALUES
          ('base', 'P', '1.0', 'r/base', 'm1', 'k1', 'linux/amd64', 1, 't', 1), ('app', NULL, '2.0', 'r/app', 'm2', 'k2', 'linux/amd64', 1, 't', 2);
      `);
      migrate(db, migrations.slice(0, 7));
      assert.equal(schemaVersion(db), 7);
      const columns = (db.prepare(`SELECT name FROM pragma_index_info('images_top_layer') ORDER BY seqno`).all() as { name: string }[]).map((c) => c.name);
      assert.deepEqual(columns, ['top_layer_id', 'id', 'name', 'publisher', 'version']);
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id, name, publisher, version FROM images WHERE top_layer_id = 2`).all() as { detail: string }[];
      assert.match(plan.map((p) => p.detail).join(' '), /USING COVERING INDEX images_top_layer/);
      db.close();
    });
  });

  describe('migration 8', () => {
    it("keeps each image's parent in a column, backfilled by the rule, and indexed with what a listing shows", () => {
      const db = new Database(join(dir, 'm8.db'));
      migrate(db, migrations.slice(0, 7));
      // Layers 1-2-3-4 and 1-5: base (top 1), app and its twin (top 3, above layer 2, which is no
      // image's top), web (top 4, above app's top), other (top 5), and lone (top 6, a base of its own).
      db.exec(`
        INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size, parent_id) VALUES
          ('sha256:c1', 'd1', 'b1', 'm', 1, NULL), ('sha256:c2', 'd2', 'b2', 'm', 1, 1), ('sha256:c3', 'd3', 'b3', 'm', 1, 2),
          ('sha256:c4', 'd4', 'b4', 'm', 1, 3), ('sha256:c5', 'd5', 'b5', 'm', 1, 1), ('sha256:c6', 'd6', 'b6', 'm', 1, NULL);
        INSERT INTO images (name, publisher, version, repository, manifest_digest, config_digest, platform, size, installed, top_layer_id) VALUES
          ('web', NULL, '3.0', 'r/web', 'm1', 'k1', 'linux/amd64', 1, 't', 4), ('base', 'P', '1.0', 'r/base', 'm2', 'k2', 'linux/amd64', 1, 't', 1),
          ('app', NULL, '2.0', 'r/app', 'm3', 'k3', 'linux/amd64', 1, 't', 3), ('twin', NULL, '2.0', 'r/twin', 'm4', 'k4', 'linux/amd64', 1, 't', 3),
          ('other', NULL, NULL, 'r/other', 'm5', 'k5', 'linux/amd64', 1, 't', 5), ('lone', NULL, NULL, 'r/lone', 'm6', 'k6', 'linux/amd64', 1, 't', 6);
      `);
      migrate(db, migrations.slice(0, 8));
      assert.equal(schemaVersion(db), 8);
      // web's parent is app, the lowest id with the top below web's; app and twin are base's children.
      assert.deepEqual(db.prepare('SELECT name, parent_image_id AS p FROM images ORDER BY id').all(), [
        { name: 'web', p: 3 }, { name: 'base', p: null }, { name: 'app', p: 2 }, { name: 'twin', p: 2 }, { name: 'other', p: 2 }, { name: 'lone', p: null },
      ]);
      const columns = (index: string) => (db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(index) as { name: string }[]).map((c) => c.name);
      assert.deepEqual(columns('images_parent'), ['parent_image_id', 'id', 'name', 'publisher', 'version']);
      assert.deepEqual(columns('images_top_layer'), ['top_layer_id', 'id']);
      // Changes to images by a ctrimg that does not keep the column mark the lineage stale (parents.ts).
      const triggers = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
      assert.deepEqual(triggers, ['images_added_lineage', 'images_removed_lineage', 'images_top_lineage']);
      assert.equal(db.prepare(`SELECT value FROM settings WHERE key = 'lineage'`).get(), undefined, 'the backfill leaves no stale mark');
      const store = new Store(db);
      assert.deepEqual(store.lineage.descendantSummaries([2]).map((d) => [d.name, d.generation, d.parentId]), [
        ['app', 1, 2], ['twin', 1, 2], ['other', 1, 2], ['web', 2, 3],
      ]);
      db.close();
    });
  });

  describe('migration 9', () => {
    it('adds each layer its content bytes, unknown for the layers already there, which a later record of the layer fills in', () => {
      const db = new Database(join(dir, 'm9.db'));
      migrate(db, migrations.slice(0, 8));
      db.exec(`INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size) VALUES ('sha256:c1', 'd1', 'b1', 'm', 10), ('sha256:c2', 'd2', 'b2', 'm', 20)`);
      migrate(db, migrations.slice(0, 9));
      assert.equal(schemaVersion(db), 9);
      assert.deepEqual(db.prepare('SELECT chain_id AS c, content_bytes AS b FROM layers ORDER BY id').all(), [{ c: 'sha256:c1', b: null }, { c: 'sha256:c2', b: null }]);
      const store = new Store(db);
      const again = (chainId: string, contentBytes: number | null) => store.layers.ensure({ chainId, diffId: 'd', blobDigest: 'b', mediaType: 'm', size: 1, contentBytes });
      assert.equal(again('sha256:c1', 1234).contentBytes, 1234, 'an uncounted layer takes the count');
      assert.equal(again('sha256:c1', 99).contentBytes, 1234, 'a counted layer keeps its count');
      assert.equal(again('sha256:c2', null).contentBytes, null);
      assert.deepEqual(again('sha256:c3', 7), { ...store.layers.byChainId('sha256:c3')!, contentBytes: 7 });
      db.close();
    });

    it('copies tags to a table of their own, a tag two images had kept by the newer; marks every image pulled', () => {
      const db = new Database(join(dir, 'm9-tags.db'));
      migrate(db, migrations.slice(0, 8));
      db.exec(`
        INSERT INTO images (name, repository, tag, manifest_digest, config_digest, platform, size, installed) VALUES
          ('a', 'r/app', 'latest', 'm1', 'k1', 'linux/amd64', 1, 't'), ('a', 'r/app', '1.0', 'm2', 'k2', 'linux/amd64', 1, 't'),
          ('a', 'r/app', 'latest', 'm3', 'k3', 'linux/amd64', 1, 't'), ('b', 'r/other', 'latest', 'm4', 'k4', 'linux/amd64', 1, 't'),
          ('c', 'r/app', NULL, 'm5', 'k5', 'linux/amd64', 1, 't');
      `);
      migrate(db, migrations.slice(0, 9));
      assert.ok(columns(db, 'images').includes('tag'), 'kept for a ctrimg from before still running');
      assert.deepEqual(db.prepare('SELECT repository, tag, image_id AS id FROM image_tags ORDER BY repository, tag').all(), [
        { repository: 'r/app', tag: '1.0', id: 2 }, { repository: 'r/app', tag: 'latest', id: 3 }, { repository: 'r/other', tag: 'latest', id: 4 },
      ]);
      const store = new Store(db);
      assert.deepEqual(store.images.all().map((i) => i.tag), [null, '1.0', 'latest', 'latest', null]);
      assert.ok(store.images.all().every((i) => i.pulled), 'every image recorded before came with its registry digest');
      assert.equal(store.images.hasConfig('k3'), true);
      assert.equal((db.prepare(`SELECT count(*) AS n FROM pragma_index_info('images_config')`).get() as { n: number }).n, 1);
      assert.throws(() => db.exec(`INSERT INTO image_tags VALUES ('r/app', '1.0', 1)`), /UNIQUE/);
      db.exec('DELETE FROM images WHERE id = 2');
      assert.deepEqual(store.images.tagsOf(2), [], "an image's tags go with it");
      db.close();
    });
  });

  it('is idempotent: migrating again changes nothing', () => {
    const file = join(dir, 'b.db');
    openDb(file).close();
    const db = openDb(file);
    assert.equal(schemaVersion(db), migrations.length);
    db.close();
  });

  it('applies only the newer migrations, in order, to an older database', () => {
    const db = new Database(join(dir, 'c.db'));
    const extra = [
      ...migrations,
      { version: migrations.length + 2, description: 'second', sql: 'ALTER TABLE t ADD COLUMN b TEXT' },
      { version: migrations.length + 1, description: 'first', sql: 'CREATE TABLE t (a TEXT)' },
    ];
    migrate(db, migrations);
    migrate(db, extra);
    assert.equal(schemaVersion(db), migrations.length + 2);
    assert.deepEqual(columns(db, 't'), ['a', 'b']);
    db.close();
  });

  it('refuses a database written by a newer ctrimg', () => {
    const db = new Database(join(dir, 'd.db'));
    db.pragma('user_version = 99');
    assert.throws(() => migrate(db, migrations), /newer than this ctrimg understands/);
    db.close();
  });

  it('rolls a failing migration back whole', () => {
    const db = new Database(join(dir, 'e.db'));
    const bad = [{ version: 1, description: 'bad', sql: 'CREATE TABLE ok (a); CREATE TABLE broken (' }];
    assert.throws(() => migrate(db, bad));
    assert.equal(schemaVersion(db), 0);
    assert.equal((db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'ok'`).get() as { n: number }).n, 0);
    db.close();
  });
});
