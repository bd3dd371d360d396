import assert from 'node:assert/strict';
import { isOpaque, isWhiteout, whiteoutTarget, whitesOutItsDirectory } from '../../../src/layers/whiteouts.js';

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
});
