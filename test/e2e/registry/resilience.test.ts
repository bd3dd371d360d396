/**
 * Downloads through a fault-injecting proxy in front of a real registry: each fault either
 * ends in the verified blob with only the missing bytes fetched again, or in one clear line
 * with nothing visible in blobs/sha256.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore } from '../../../src/content/store.js';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import { HostClient } from '../../../src/registry/client.js';
import type { RetryPolicy } from '../../../src/registry/retry.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../../support/fault-proxy.js';
import { publishImage, type PublishedImage } from '../../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';

const FAST: Partial<RetryPolicy> = { attempts: 4, baseDelayMs: 10, maxDelayMs: 50, totalMs: 10_000, stallMs: 300 };

describe('registry downloads through faults', function () {
  this.timeout(60_000);
  let reg: RunningRegistry;
  let proxy: FaultProxy;
  let img: PublishedImage;
  let digest: Digest;
  let size: number;
  let root: string;
  let content: ContentStore;
  const BLOB = /\/blobs\/sha256:/;

  before(async () => {
    reg = await startRegistry();
    // Uncompressed random bytes: 2 MiB that no fault can land outside of.
    img = await publishImage(reg.host, { repo: 'samples/big', tag: '1', layers: [{ tar: randomBytes(2 * 1024 * 1024), compression: 'none' }] });
    digest = img.layerDigests[0]!;
    size = img.blobs.get(digest)!.length;
    proxy = await startFaultProxy(reg.url);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-resilience-'));
    content = new ContentStore(root);
    await content.init();
    proxy.requests.length = 0;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function download(retry: Partial<RetryPolicy> = FAST): Promise<void> {
    const client = new HostClient({ base: proxy.url, retry });
    try {
      await content.feed(digest, client.blob('samples/big', digest, { size }), { size }).done;
    } finally {
      await client.close();
    }
  }
  const blobRequests = (): ProxiedRequest[] => proxy.requests.filter((r) => BLOB.test(r.path));
  const sent = () => blobRequests().reduce((n, r) => n + r.bytesSent, 0);
  async function assertStored(): Promise<void> {
    assert.deepEqual(await content.read(digest), img.blobs.get(digest));
    assert.deepEqual(await readdir(content.ingestDir), [], 'no partial or lock left');
  }
  async function assertNothingVisible(): Promise<void> {
    assert.deepEqual(await readdir(content.blobDir), []);
  }

  it('resumes after a reset mid-body from exactly the bytes received', async () => {
    proxy.inject(BLOB, { kind: 'reset', after: 700_000 });
    await download();
    await assertStored();
    const [first, second] = blobRequests();
    assert.equal(blobRequests().length, 2);
    assert.equal(first!.bytesSent, 700_000);
    assert.equal(second!.range, 'bytes=700000-');
    assert.equal(second!.status, 206);
    assert.equal(sent(), size, 'only the missing bytes were fetched again');
  });

  it('resumes after a body truncated under a full Content-Length', async () => {
    proxy.inject(BLOB, { kind: 'truncate', after: 1_000_000 });
    await download();
    await assertStored();
    assert.deepEqual(blobRequests().map((r) => r.range), [undefined, 'bytes=1000000-']);
    assert.equal(sent(), size);
  });

  it('treats a stall as a failure and resumes', async () => {
    proxy.inject(BLOB, { kind: 'stall', after: 500_000, ms: 2_000 });
    const t0 = Date.now();
    await download();
    assert.ok(Date.now() - t0 < 1_900, 'did not wait out the stall');
    await assertStored();
    assert.deepEqual(blobRequests().map((r) => r.range), [undefined, 'bytes=500000-']);
  });

  it('retries a 500 and then succeeds', async () => {
    proxy.inject(BLOB, { kind: 'status', status: 500 });
    await download();
    await assertStored();
    assert.deepEqual(blobRequests().map((r) => r.status), [500, 200]);
    assert.equal(sent(), size);
  });

  it('waits as long as a 429 Retry-After says', async () => {
    proxy.inject(BLOB, { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const t0 = Date.now();
    await download();
    assert.ok(Date.now() - t0 >= 1_000, 'waited a second');
    await assertStored();
    assert.deepEqual(blobRequests().map((r) => r.status), [429, 200]);
  });

  it('copes with a server that ignores Range by dropping the bytes it already holds', async () => {
    proxy.inject(BLOB, { kind: 'reset', after: 300_000 });
    proxy.inject(BLOB, { kind: 'ignoreRange' });
    await download();
    await assertStored();
    assert.deepEqual(blobRequests().map((r) => r.status), [200, 200]);
    assert.equal(sent(), size + 300_000);
  });

  it('fails with one line naming the attempts when the registry keeps failing', async () => {
    for (let i = 0; i < 3; i++) proxy.inject(BLOB, { kind: 'status', status: 503 });
    await assert.rejects(download({ ...FAST, attempts: 3 }), (e: unknown) => {
      assert.ok(e instanceof CtrimgError);
      assert.equal(e.code, 'REGISTRY_ERROR');
      assert.match(e.message, /^registry error reading .*samples\/big@sha256:.* \(gave up after 3 attempts\)$/);
      return true;
    });
    await assertNothingVisible();
    assert.equal(blobRequests().length, 3);
  });

  it('rejects a flipped byte with DIGEST_MISMATCH and discards the partial', async () => {
    proxy.inject(BLOB, { kind: 'flip', at: 123_456 });
    await assert.rejects(download(), (e: unknown) => e instanceof CtrimgError && e.code === 'DIGEST_MISMATCH' && !e.message.includes('\n'));
    await assertNothingVisible();
    assert.deepEqual(await readdir(content.ingestDir), []);
    // The next attempt starts from scratch and succeeds.
    proxy.requests.length = 0;
    await download();
    await assertStored();
    assert.equal(blobRequests()[0]!.range, undefined);
  });

  it('keeps a broken download and continues it in the next attempt', async () => {
    proxy.inject(BLOB, { kind: 'reset', after: 800_000 });
    await assert.rejects(download({ ...FAST, attempts: 1 }), (e: unknown) => e instanceof CtrimgError && e.code === 'UNREACHABLE');
    await assertNothingVisible();
    assert.equal((await stat(join(content.ingestDir, `${digest.slice(7)}.partial`))).size, 800_000);
    proxy.requests.length = 0;
    await download();
    await assertStored();
    assert.deepEqual(blobRequests().map((r) => [r.range, r.bytesSent]), [['bytes=800000-', size - 800_000]]);
  });

  describe('a manifest or listing body that breaks after the headers', () => {
    const MANIFEST = /\/manifests\//;
    async function withClient<T>(fn: (c: HostClient) => Promise<T>, retry: Partial<RetryPolicy> = FAST): Promise<T> {
      const client = new HostClient({ base: proxy.url, retry });
      try {
        return await fn(client);
      } finally {
        await client.close();
      }
    }

    it('sends a manifest request again after a reset mid-body', async () => {
      proxy.inject(MANIFEST, { kind: 'reset', after: 100 });
      const m = await withClient((c) => c.manifest('samples/big', '1'));
      assert.equal(m.digest, img.manifestDigest);
      assert.deepEqual(proxy.requests.map((r) => [r.fault, r.bytesSent]), [['reset', 100], [undefined, img.manifestBytes.length]]);
    });

    it('sends tags and catalog pages again after a truncated body', async () => {
      proxy.inject(/\/tags\/list/, { kind: 'truncate', after: 10 });
      proxy.inject(/\/_catalog/, { kind: 'truncate', after: 10 });
      const [tags, repos] = await withClient(async (c) => [await c.tags('samples/big'), await c.catalog()]);
      assert.deepEqual(tags, ['1']);
      assert.deepEqual(repos, ['samples/big']);
      assert.deepEqual(proxy.requests.map((r) => [r.path.replace(/\?.*/, ''), r.fault]), [
        ['/v2/samples/big/tags/list', 'truncate'],
        ['/v2/samples/big/tags/list', undefined],
        ['/v2/_catalog', 'truncate'],
        ['/v2/_catalog', undefined],
      ]);
    });

    it('gives up within the policy, naming the attempts', async () => {
      for (let i = 0; i < 2; i++) proxy.inject(MANIFEST, { kind: 'reset', after: 50 });
      await assert.rejects(withClient((c) => c.manifest('samples/big', '1'), { ...FAST, attempts: 2 }), (e: unknown) => {
        assert.ok(e instanceof CtrimgError);
        assert.equal(e.code, 'UNREACHABLE');
        assert.match(e.message, /\(gave up after 2 attempts\)$/);
        return true;
      });
      assert.equal(proxy.requests.length, 2);
    });
  });

  it('lets concurrent downloads of one digest share a single transfer', async () => {
    await Promise.all([download(), download()]);
    await assertStored();
    assert.equal(blobRequests().length, 1);
  });
});
