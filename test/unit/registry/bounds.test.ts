/**
 * The limits that bound the work a registry can make ctrimg do, against a hostile loopback
 * server: a manifest or config trickled forever meets the body deadline, listings whose next
 * link never ends stop at the page cap, and one page of 130,000 tags is read whole; a listing
 * is capped in bytes across all its pages and in time as a whole.
 */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { HostClient, MAX_PAGES } from '../../../src/registry/client.js';
import { Transport } from '../../../src/registry/transport.js';
import { startHostileRegistry, type HostileRegistry } from '../../support/hostile-registry.js';

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
    await assert.rejects(client.blobBytes('trickle', { digest, size: 1000 }), (e: unknown) => {
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

  it('stops a listing whose pages together pass the total cap, saying how to do without it', async () => {
    const capped = new HostClient({ base: hostile.url, retry: { baseDelayMs: 10 }, maxListingBytes: 4096 });
    try {
      await assert.rejects(capped.catalog(), (e: unknown) => {
        assert.ok(e instanceof CtrimgError);
        assert.equal(e.code, 'LISTING_TOO_LARGE');
        assert.equal(e.message, `the catalog of ${hostile.host} is larger than 4096 bytes in all; stopped there`);
        assert.match(e.hint ?? '', /^search other sources, or install from 127\.0\.0\.1:\d+ by a reference \(127\.0\.0\.1:\d+\/<repository>:<tag>\), which needs no listing$/);
        assert.deepEqual(e.details, { listing: 'catalog', subject: hostile.host });
        return true;
      });
    } finally {
      await capped.close();
    }
    // Every endless page is over 30 bytes: the cap, not the page cap, ended it.
    assert.ok(hostile.requests.length > 1 && hostile.requests.length <= 4096 / 30 + 1, `${hostile.requests.length} pages`);
  });

  it('caps one large page by the total too', async () => {
    const capped = new HostClient({ base: hostile.url, maxListingBytes: 1024 * 1024 });
    try {
      await assert.rejects(capped.tags('many'), (e: unknown) => e instanceof CtrimgError && e.code === 'LISTING_TOO_LARGE' && /by a reference \(127\.0\.0\.1:\d+\/many:<tag>\)/.test(e.hint ?? ''));
    } finally {
      await capped.close();
    }
    assert.deepEqual(hostile.requests, ['/v2/many/tags/list']);
  });

  it('gives a whole listing one deadline, shorter than any page of it', async () => {
    // Each page alone would have 30 s; the listing as a whole has 0.5 s.
    const slow = new HostClient({ base: hostile.url, retry: { baseDelayMs: 10, bodyDeadlineMs: 30_000, listingDeadlineMs: 500 } });
    try {
      await assert.rejects(slow.tags('slow'), (e: unknown) => {
        assert.ok(e instanceof CtrimgError);
        assert.equal(e.code, 'LISTING_DEADLINE');
        assert.match(e.message, /^the tags of 127\.0\.0\.1:\d+\/slow was not received in full within 0\.5 s \([12] pages asked for\)$/);
        assert.match(e.hint ?? '', /CTRIMG_LISTING_DEADLINE/);
        return true;
      });
    } finally {
      await slow.close();
    }
    assert.ok(hostile.requests.length <= 2 && hostile.requests.every((p) => p === '/v2/slow/tags/list'), hostile.requests.join());
  });

  it('takes CTRIMG_LISTING_DEADLINE in seconds and refuses anything but a positive number', async () => {
    const t = new Transport('t', { env: { CTRIMG_LISTING_DEADLINE: '2.5' } });
    await t.close();
    assert.equal(t.retry.listingDeadlineMs, 2500);
    assert.throws(() => new Transport('t', { env: { CTRIMG_LISTING_DEADLINE: 'soon' } }), /^CtrimgError: CTRIMG_LISTING_DEADLINE must be a positive number of seconds, not 'soon'$/);
  });

  it('reads a tags page of 130,000 names', async () => {
    const tags = await client.tags('many');
    assert.equal(tags.length, 130_000);
    assert.deepEqual([tags[0], tags.at(-1)], ['1.0.0', '1.0.129999']);
  });
});
