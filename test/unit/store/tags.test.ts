/** A tag names one image in its repository, as in docker: recording another under it moves the tag. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../store/index.js';
import { addImage } from '../../support/lineage.js';

describe('store: tags', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-tags-'));
    store = Store.open(join(dir, 'ctrimg.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tagOf = (id: number) => store.images.byId(id)!.tag;

  it('moves a tag to the image recorded last under it, in its repository only; the image it leaves keeps its digest and its record', () => {
    const old = addImage(store, 'old', ['a'], { repository: 'reg/app', tag: 'latest' });
    const pinned = addImage(store, 'pinned', ['p'], { repository: 'reg/app', tag: null });
    const other = addImage(store, 'other', ['o'], { repository: 'reg/other', tag: 'latest' });
    const stable = addImage(store, 'stable', ['s'], { repository: 'reg/app', tag: 'stable' });
    const next = addImage(store, 'next', ['b'], { repository: 'reg/app', tag: 'latest' });
    assert.equal(tagOf(next.id), 'latest');
    assert.equal(tagOf(old.id), null);
    assert.equal(store.images.byId(old.id)!.manifestDigest, old.manifestDigest);
    assert.deepEqual([tagOf(pinned.id), tagOf(other.id), tagOf(stable.id)], [null, 'latest', 'stable']);
  });

  it('gives an image several tags, lists them in order, and takes one away', () => {
    const app = addImage(store, 'app', ['a'], { repository: 'reg/app', tag: 'latest' });
    store.images.tag(app.id, 'reg/app', '1.1');
    store.images.tag(app.id, 'reg/app', '1.0');
    assert.deepEqual(store.images.tagsOf(app.id), ['1.0', '1.1', 'latest']);
    assert.equal(tagOf(app.id), '1.0');
    assert.equal(store.images.untag('reg/app', '1.1'), true);
    assert.equal(store.images.untag('reg/app', '1.1'), false);
    assert.deepEqual(store.images.allTags(), new Map([[app.id, ['1.0', 'latest']]]));
  });

  it('leaves every tag alone when the image recorded has none', () => {
    const tagged = addImage(store, 'tagged', ['a'], { repository: 'reg/app', tag: '1' });
    addImage(store, 'by-digest', ['b'], { repository: 'reg/app', tag: null });
    assert.equal(tagOf(tagged.id), '1');
  });
});
