/**
 * A store written before migration 4, whose rows still name layer and container directories
 * by absolute path, and those paths now lead outside the store (it was moved since, say). The
 * first command migrates it; from then on every directory is derived from the root, and the
 * removals and Repair -Fix that used to delete what the old paths named leave it alone.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '../../store/migrations.js';
import { ctrimg } from '../support/ctrimg.js';
import { fixtureRegistry, installedStore } from '../support/stores.js';

const VICTIM = "not the store's to delete\n";

describe('a store from before migration 4, with recorded paths that lead outside it', function () {
  this.timeout(120_000);
  const fixtures = fixtureRegistry();
  let root: string;
  let outside: string;

  beforeEach(async () => {
    root = await installedStore('ctrimg-old-store-', fixtures.fx.child.reference);
    const made = await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web1']);
    assert.equal(made.code, 0, made.stderr);
    outside = await mkdtemp(join(tmpdir(), 'ctrimg-old-store-victims-'));
    // Back to schema 3 (migrations 9 to 4 undone), the paths pointing at directories outside the store that hold a victim file each.
    const db = new Database(join(root, 'ctrimg.db'));
    db.exec(`DROP INDEX images_config; ALTER TABLE images DROP COLUMN pulled; ALTER TABLE layers DROP COLUMN content_bytes;`);
    db.exec(`UPDATE images SET tag = (SELECT min(tag) FROM image_tags WHERE image_id = images.id); DROP TABLE image_tags;`);
    db.exec(`DROP TRIGGER images_added_lineage; DROP TRIGGER images_removed_lineage; DROP TRIGGER images_top_lineage;`);
    db.exec(`DROP INDEX images_parent; ALTER TABLE images DROP COLUMN parent_image_id;`);
    db.exec(`DROP INDEX layers_parent; DROP INDEX images_top_layer; ALTER TABLE layers DROP COLUMN parent_id; ALTER TABLE images DROP COLUMN top_layer_id;`);
    db.exec(`ALTER TABLE images ADD COLUMN top_layer_id INTEGER REFERENCES layers(id); CREATE INDEX images_top_layer ON images(top_layer_id);`);
    db.exec(`ALTER TABLE layers ADD COLUMN location TEXT NOT NULL DEFAULT ''; ALTER TABLE containers ADD COLUMN path TEXT NOT NULL DEFAULT '';`);
    const rows = [
      ...(db.prepare('SELECT id, chain_id AS name FROM layers').all() as { id: number; name: string }[]).map((r) => ({ ...r, table: 'layers', column: 'location' })),
      ...(db.prepare('SELECT id, cid AS name FROM containers').all() as { id: number; name: string }[]).map((r) => ({ ...r, table: 'containers', column: 'path' })),
    ];
    for (const r of rows) {
      const dir = join(outside, r.table, r.name.replace('sha256:', ''));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'victim.txt'), VICTIM);
      db.prepare(`UPDATE ${r.table} SET ${r.column} = ? WHERE id = ?`).run(dir, r.id);
    }
    db.pragma('user_version = 3');
    db.close();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const victims = async () => {
    const found: string[] = [];
    for (const table of ['layers', 'containers']) {
      for (const name of await readdir(join(outside, table))) {
        assert.equal(await readFile(join(outside, table, name, 'victim.txt'), 'utf8'), VICTIM);
        found.push(`${table}/${name}`);
      }
    }
    return found.length;
  };

  it('is migrated by the first command, and Remove-Container, Remove-ContainerImage and Repair -Fix delete only inside it', async () => {
    const planted = await victims();
    assert.equal(planted, fixtures.fx.child.layerDigests.length + 1);
    const listed = await ctrimg(root, ['Get-ContainerImage', '-OutputFormat', 'Json']);
    assert.equal(listed.code, 0, listed.stderr);
    const db = new Database(join(root, 'ctrimg.db'), { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), migrations.length, 'migrated to the newest schema');
    db.close();

    const layersBefore = (await readdir(join(root, 'layers'))).filter((n) => /^[0-9a-f]{64}$/.test(n)).length;
    for (const args of [
      ['Remove-Container', '-Name', 'web1', '-Force'],
      ['Remove-ContainerImage', '-Name', 'WebApp', '-Force'],
      ['Repair-ContainerImageStore', '-Fix', '-Force'],
    ]) {
      const r = await ctrimg(root, args);
      assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
      assert.equal(await victims(), planted, `${args[0]} deleted outside the store`);
    }
    assert.deepEqual(await readdir(join(root, 'containers')), [], "the container's own directory went");
    const layersAfter = (await readdir(join(root, 'layers'))).filter((n) => /^[0-9a-f]{64}$/.test(n)).length;
    assert.equal(layersAfter, layersBefore - 1, "WebApp's own layer went from the store");
  });
});
