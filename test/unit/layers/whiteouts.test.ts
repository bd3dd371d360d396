import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hidesBelow, isOpaque, isWhiteout, whiteoutTarget, whitesOutItsDirectory } from '../../../src/layers/whiteouts.js';
import { tempRoot } from '../../support/tars.js';

describe('layers/whiteouts', () => {
  it('recognizes whiteouts, opaque markers and their targets', () => {
    assert.equal(whiteoutTarget('.wh.foo'), 'foo');
    assert.equal(whiteoutTarget('.wh..hidden'), '.hidden');
    assert.equal(whiteoutTarget('.wh..wh..opq'), undefined);
    assert.equal(whiteoutTarget('.wh..wh.plnk'), undefined);
    assert.equal(whiteoutTarget('foo'), undefined);
    assert.ok(isOpaque('.wh..wh..opq'));
    assert.ok(!isOpaque('.wh.foo'));
    assert.ok(isWhiteout('.wh.foo') && isWhiteout('.wh..wh..opq') && !isWhiteout('wh.foo'));
  });

  it('never names the directory itself or its parent as a target', () => {
    for (const name of ['.wh.', '.wh..', '.wh...']) {
      const target = whiteoutTarget(name);
      assert.ok(target !== '' && target !== '.' && target !== '..', name);
      assert.ok(whitesOutItsDirectory(name), name);
    }
    for (const name of ['.wh.x', '.wh..x', '.wh..wh..opq', '..', 'x.wh..']) assert.ok(!whitesOutItsDirectory(name), name);
  });

  it('tells whether a layer hides a path of the layers below', async () => {
    const { root, cleanup } = await tempRoot();
    try {
      await mkdir(join(root, 'a/b'), { recursive: true });
      await mkdir(join(root, 'o'));
      await writeFile(join(root, 'a/b/.wh.gone'), '');
      await writeFile(join(root, '.wh.top'), '');
      await writeFile(join(root, 'o/.wh..wh..opq'), '');
      assert.equal(await hidesBelow(root, 'a/b/gone'), true);
      assert.equal(await hidesBelow(root, 'top/deep/file'), true);
      assert.equal(await hidesBelow(root, 'o/anything'), true);
      assert.equal(await hidesBelow(root, 'a/b/kept'), false);
      assert.equal(await hidesBelow(root, 'a/other'), false);
    } finally {
      await cleanup();
    }
  });
});
