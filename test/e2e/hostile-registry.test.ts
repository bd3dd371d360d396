/**
 * A hostile registry through the executable: whatever it does, each command ends with one
 * line on stderr and exit 1, in bounded time.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg } from '../support/ctrimg.js';
import { startHostileRegistry, type HostileRegistry } from '../support/hostile-registry.js';

describe('end to end: a hostile registry', function () {
  this.timeout(60_000);
  let hostile: HostileRegistry;
  let root: string;

  before(async () => {
    hostile = await startHostileRegistry();
    root = await mkdtemp(join(tmpdir(), 'ctrimg-hostile-'));
  });
  after(async () => {
    await hostile?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('ends an install whose manifest trickles forever at CTRIMG_BODY_DEADLINE', async () => {
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${hostile.host}/trickle:1.0`, '-Insecure'], { env: { CTRIMG_BODY_DEADLINE: '1' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Install-ContainerImage: http:\/\/127\.0\.0\.1:\d+\/v2\/trickle\/manifests\/1\.0: not received in full within 1 s \(.*CTRIMG_BODY_DEADLINE.*\) \[BODY_DEADLINE\]\n$/);
  });

  it('refuses a CTRIMG_BODY_DEADLINE that is not a positive number of seconds', async () => {
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${hostile.host}/trickle:1.0`, '-Insecure'], { env: { CTRIMG_BODY_DEADLINE: 'soon' } });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "Install-ContainerImage: CTRIMG_BODY_DEADLINE must be a positive number of seconds, not 'soon' [USAGE]\n");
  });

  it('ends a Find whose catalog pages never end after 1000 pages', async () => {
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'hostile', '-Location', hostile.url, '-Insecure']);
    assert.equal(reg.code, 0, reg.stderr);
    hostile.requests.length = 0;
    const r = await ctrimg(root, ['Find-ContainerImage']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Find-ContainerImage: catalog of 127\.0\.0\.1:\d+ runs past 1000 pages; stopped there \[REGISTRY_ERROR\]\n$/);
    assert.equal(hostile.requests.filter((p) => p === '/v2/_catalog').length, 1000);
  });
});
