/**
 * Parents kept right when another ctrimg changes images without keeping them: one from before
 * migration 8, still running when a newer one migrated the store (a long install during an
 * upgrade), adds and removes images as its own code did, leaving parent_image_id alone. The
 * triggers mark the lineage stale; the next store opened or write transaction walks every parent
 * again, so a removal it then decides is refused while a child depends on the image (rule 1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type ImageRecord } from '../../../store/index.js';
import { addImage, chainIdOf, modelParents, parentIdsOf, type ModelImage } from '../../support/lineage.js';

/** What a ctrimg at schema 7 wrote to add an image over layers already recorded (base first). */
function addAsOlderCtrimg(store: Store, name: string, layers: readonly string[]): number {
  const db = store.db;
  const layerIds = layers.map((_, i) => {
    const chainId = chainIdOf(layers.slice(0, i + 1));
    const found = db.prepare('SELECT id FROM layers WHERE chain_id = ?').get(chainId) as { id: number } | undefined;
    if (found) return found.id;
    const parent = i === 0 ? null : (db.prepare('SELECT id FROM layers WHERE chain_id = ?').get(chainIdOf(layers.slice(0, i))) as { id: number }).id;
    return Number(db.prepare(`INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size, parent_id) VALUES (?, 'd', 'b', 'm', 1, ?)`).run(chainId, parent).lastInsertRowid);
  });
  const id = Number(
    db
      .prepare(`INSERT INTO images (name, repository, manifest_digest, config_digest, platform, size, installed) VALUES (?, ?, ?, ?, 'linux/amd64', 1, 'now')`)
      .run(name, `r/${name}`, chainIdOf(['manifest', name]), chainIdOf(['config', name])).lastInsertRowid,
  );
  layerIds.forEach((layerId, position) => db.prepare('INSERT INTO image_layers (image_id, position, layer_id) VALUES (?, ?, ?)').run(id, position, layerId));
  db.prepare('UPDATE images SET top_layer_id = ? WHERE id = ?').run(layerIds.at(-1), id);
  return id;
}

describe('store lineage changed by a ctrimg that does not keep parents', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let base: ImageRecord;
  let models: ModelImage[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-stale-'));
    file = join(dir, 'ctrimg.db');
    store = Store.open(file);
    base = addImage(store, 'base', ['a']);
    const app = addImage(store, 'app', ['a', 'b']);
    models = [
      { id: base.id, chain: ['a'] },
      { id: app.id, chain: ['a', 'b'] },
    ];
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const expected = () => new Map([...modelParents(models)].filter((e): e is [number, number] => e[1] !== null));

  it('leaves no stale mark after its own additions and removals', () => {
    assert.equal(store.settings.get('lineage'), undefined);
    store.transaction(() => store.images.remove(store.images.byId(models[1]!.id)!));
    assert.equal(store.settings.get('lineage'), undefined);
  });

  it('walks every parent again when the store is next opened', () => {
    // Between base and app: app's parent is now mid, and web above app is app's child.
    models.push({ id: addAsOlderCtrimg(store, 'mid', ['a', 'm']), chain: ['a', 'm'] });
    models.push({ id: addAsOlderCtrimg(store, 'web', ['a', 'b', 'w']), chain: ['a', 'b', 'w'] });
    assert.equal(store.settings.get('lineage'), 'stale');
    assert.notDeepEqual(parentIdsOf(store), expected(), 'the older writes left the column behind');
    store.close();
    store = Store.open(file);
    assert.deepEqual(parentIdsOf(store), expected());
    assert.equal(store.settings.get('lineage'), undefined);
  });

  it('walks them again at the start of a write transaction, so a removal sees the child', () => {
    const app = models[1]!.id;
    models.push({ id: addAsOlderCtrimg(store, 'web', ['a', 'b', 'w']), chain: ['a', 'b', 'w'] });
    const children = store.transaction(() => store.lineage.dependents(app).children.map((c) => c.name));
    assert.deepEqual(children, ['web']);
    assert.deepEqual(parentIdsOf(store), expected());
  });

  it('walks them again before its own change when it finds them stale', () => {
    // The older ctrimg removed base, which app was built on; then an image is added outside any
    // transaction of the store's (ImageQueries.add on its own).
    store.db.prepare('DELETE FROM images WHERE id = ?').run(base.id);
    models = models.filter((m) => m.id !== base.id);
    const z = store.layers.ensure({ chainId: chainIdOf(['z']), diffId: chainIdOf(['z']), blobDigest: chainIdOf(['blob', 'z']), mediaType: 'application/vnd.oci.image.layer.v1.tar', size: 1, contentBytes: 1 }).id;
    const lone = store.images.add(
      { name: 'lone', publisher: null, version: null, description: null, repository: 'r/lone', tag: null, manifestDigest: chainIdOf(['manifest', 'lone']), configDigest: chainIdOf(['config', 'lone']), platform: 'linux/amd64', size: 1, created: null, installed: 'now', sourceId: null, pulled: true },
      [z],
    );
    models.push({ id: lone.id, chain: ['z'] });
    assert.deepEqual(parentIdsOf(store), expected());
    assert.equal(store.images.byId(models[0]!.id)?.parentId, null, 'app is an OS image once base is gone');
    assert.equal(store.settings.get('lineage'), undefined);
  });
});
