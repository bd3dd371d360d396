/** ops/commit's reading of docker's REPOSITORY[:TAG]: the name, the repository, the tag, and the version when the tag is one. */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { commitTarget } from '../../../src/ops/commit.js';

describe('ops/commit: REPOSITORY[:TAG]', () => {
  it('names the image by the repository\'s last component and takes a version tag as its version', () => {
    const t = commitTarget('demo/webapp:2.1');
    assert.deepEqual([t.name, t.repository, t.tag, t.version?.text], ['webapp', 'demo/webapp', '2.1', '2.1.0.0']);
    assert.equal(commitTarget('web:v1.2.3-rc.1').version?.text, '1.2.3-rc.1');
    assert.equal(commitTarget('localhost:5000/a/b:1').repository, 'localhost:5000/a/b');
  });

  it('leaves the version out for a tag that is not a version, and for no tag', () => {
    const latest = commitTarget('web:latest');
    assert.deepEqual([latest.name, latest.tag, latest.version], ['web', 'latest', undefined]);
    const bare = commitTarget('web');
    assert.deepEqual([bare.tag, bare.version], [undefined, undefined]);
  });

  for (const bad of ['Web:1.0', 'web:', ':1.0', 'web/../x', 'web:bad tag', '']) {
    it(`refuses '${bad}' with IMAGE_NAME_INVALID`, () => {
      assert.throws(() => commitTarget(bad), (err: unknown) => err instanceof CtrimgError && err.code === 'IMAGE_NAME_INVALID' && err.kind === 'usage');
    });
  }
});
