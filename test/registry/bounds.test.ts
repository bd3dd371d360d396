/**
 * The limits that bound the work a registry can make ctrimg do, against a hostile loopback
 * server: a manifest or config trickled forever meets the body deadline, listings whose next
 * link never ends stop at the page cap, and one page of 130,000 tags is read whole.
 */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../src/errors.js';
import { HostClient, MAX_PAGES } from '../../src/registry/client.js';
import { startHostileRegistry, type HostileRegistry } from '../support/hostile-registry.js';

describe('registry bounds against a hostile registry', function () {
  this.timeout(30_000);
  let hostile: HostileRegistry;
  let client: HostClient;

  before(async () => {
    hostile = await startHostileRegistry({ tags: 130_000 });
  });
  after(() => hostile?.stop());
  beforeEach(() => {
    hostile.requests.length = 0;
    client = new HostClient({ base: hostile.url, retry: { baseDelayMs: 10, bodyDeadlineMs: 500 } });
  });
  afterEach(() => client.close());

  it('gives up on a manifest trickled byte by byte at the body deadline, without asking again', async () => {
    await assert.rejects(client.manifest('trickle', '1.0'), (e: unknown) => {
      assert.ok(e instanceof CtrimgError);
      assert.equal(e.code, 'BODY_DEADLINE');
      assert.equal(e.temporary, false);
      assert.match(e.message, /^http:\/\/127\.0\.0\.1:\d+\/v2\/trickle\/manifests\/1\.0: not received in full within 0\.5 s$/);
      return true;
    });
    // The trickle never ends: only the deadline (BODY_DEADLINE above) can have ended it.
    assert.deepEqual(hostile.requests, ['/v2/trickle/manifests/1.0']);
  });

  it('gives up on a config blob trickled byte by byte at the body deadline', async () => {
    const digest = `sha256:${'ab'.repeat(32)}` as const;
    await assert.rejects(client.blobBytes('trickle', digest, { size: 1000 }), (e: unknown) => {
      assert.ok(e instanceof CtrimgError);
      assert.equal(e.code, 'BODY_DEADLINE');
      assert.equal(e.message, `blob ${hostile.host}/trickle@${digest}: not received in full within 0.5 s`);
      return true;
    });
    assert.deepEqual(hostile.requests, [`/v2/trickle/blobs/${digest}`]);
  });

  for (const [what, list] of [
    ['catalog', (c: HostClient) => c.catalog()],
    ['tags', (c: HostClient) => c.tags('endless')],
  ] as const) {
    it(`stops ${what} paging that never ends after ${MAX_PAGES} pages, with one clear error`, async () => {
      await assert.rejects(list(client), (e: unknown) => {
        assert.ok(e instanceof CtrimgError);
        assert.equal(e.code, 'REGISTRY_ERROR');
        assert.match(e.message, new RegExp(`^${what} of 127\\.0\\.0\\.1:\\d+(/endless)? runs past ${MAX_PAGES} pages; stopped there$`));
        return true;
      });
      assert.equal(hostile.requests.length, MAX_PAGES);
    });
  }

  it('reads a tags page of 130,000 names', async () => {
    const tags = await client.tags('many');
    assert.equal(tags.length, 130_000);
    assert.deepEqual([tags[0], tags.at(-1)], ['1.0.0', '1.0.129999']);
  });
});
