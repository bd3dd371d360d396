/**
 * MirroredClient against real registries: an origin, a pull-through cache in front of it
 * (`proxy: remoteurl:`), an empty registry, a dead port and a port that resets every
 * connection. Recording proxies in front of the origin and the cache count who served what.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ContentStore } from '../../../src/content/store.js';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import { HostClient } from '../../../src/registry/client.js';
import { MirroredClient } from '../../../src/registry/mirrored.js';
import { startDeadPort } from '../../support/dead-port.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { publishImage, type PublishedImage } from '../../support/oci-layout.js';
import { freePort, startRegistry, type RunningRegistry } from '../../support/registry.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('registry/mirrored: mirrors in order, then the origin', function () {
  this.timeout(120_000);
  let origin: RunningRegistry;
  let cache: RunningRegistry;
  let empty: RunningRegistry;
  let originProxy: FaultProxy;
  let cacheProxy: FaultProxy;
  let app: PublishedImage;
  let big: PublishedImage;
  let bigLayer: Digest;
  let warnings: string[];
  let clients: MirroredClient[];

  const MANIFEST = /\/manifests\//;
  const BLOB = /\/blobs\/sha256:/;
  const FAST = { baseDelayMs: 10, maxDelayMs: 50, totalMs: 10_000, stallMs: 2_000 };

  before(async () => {
    origin = await startRegistry();
    app = await publishImage(origin.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar: randomBytes(4096), compression: 'none' }] });
    big = await publishImage(origin.host, { repo: 'samples/big', tag: '1', layers: [{ tar: randomBytes(1024 * 1024), compression: 'none' }] });
    bigLayer = big.layerDigests[0]!;
    cache = await startRegistry({ extraConfig: `proxy:\n  remoteurl: ${origin.url}\n` });
    empty = await startRegistry();
    originProxy = await startFaultProxy(origin.url);
    cacheProxy = await startFaultProxy(cache.url);
  });
  after(async () => {
    await cacheProxy?.stop();
    await originProxy?.stop();
    await empty?.stop();
    await cache?.stop();
    await origin?.stop();
  });
  beforeEach(() => {
    warnings = [];
    clients = [];
    originProxy.requests.length = 0;
    cacheProxy.requests.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  /** A client for the origin (through its recorder) with these mirrors, sharing `unreachable`. */
  function mirrored(mirrors: string[], unreachable = new Set<string>(), originUrl = originProxy.url): MirroredClient {
    const c = new MirroredClient({
      origin: new HostClient({ base: originUrl, retry: FAST }),
      mirrors: mirrors.map((base) => new HostClient({ base, retry: { ...FAST, attempts: 1 } })),
      report: { warn: (m) => warnings.push(m), debug: () => {} },
      unreachable,
    });
    clients.push(c);
    return c;
  }

  it('serves manifests, tags and blobs from the pull-through cache, not the origin', async () => {
    const c = mirrored([cacheProxy.url]);
    await c.ping();
    assert.deepEqual((await c.tags('samples/app')).sort(), ['1.0']);
    const m = await c.manifest('samples/app', '1.0');
    assert.equal(m.digest, app.manifestDigest);
    assert.deepEqual(await c.blobBytes('samples/app', { digest: app.configDigest, size: app.configBytes.length }), app.configBytes);
    const layer = app.layerDigests[0]!;
    const size = app.blobs.get(layer)!.length;
    assert.deepEqual(await readAll(await c.blob('samples/app', layer, { size })(0)), app.blobs.get(layer));
    assert.equal(originProxy.requests.length, 0, 'the client never asked the origin');
    const paths = cacheProxy.requests.map((r) => r.path);
    assert.ok(paths.some((p) => p.includes(`/manifests/1.0`)));
    assert.ok(paths.some((p) => p.includes(`/blobs/${app.configDigest}`)));
    assert.ok(paths.some((p) => p.includes(`/blobs/${layer}`)));
    assert.deepEqual(warnings, []);
  });

  it('resumes a blob from an offset through the cache with Range', async () => {
    const c = mirrored([cacheProxy.url]);
    const full = big.blobs.get(bigLayer)!;
    const tail = await readAll(await c.blob('samples/big', bigLayer, { size: full.length })(300_000));
    assert.deepEqual(tail, full.subarray(300_000));
    assert.equal(originProxy.requests.length, 0, 'the origin was not asked');
    assert.ok(cacheProxy.requests.some((r) => BLOB.test(r.path) && r.range === 'bytes=300000-'));
  });

  it('continues a mirror transfer that breaks from the byte reached, on the origin', async () => {
    const c = mirrored([cacheProxy.url]);
    const full = big.blobs.get(bigLayer)!;
    cacheProxy.inject(BLOB, { kind: 'reset', after: 400_000 });
    const got = await readAll(await c.blob('samples/big', bigLayer, { size: full.length })(0));
    assert.deepEqual(got, full);
    const fromCache = cacheProxy.requests.filter((r) => BLOB.test(r.path));
    assert.deepEqual(fromCache.map((r) => r.bytesSent), [400_000], 'one attempt on the mirror');
    const fromOrigin = originProxy.requests.filter((r) => BLOB.test(r.path));
    assert.equal(fromOrigin.length, 1);
    assert.equal(fromOrigin[0]!.range, 'bytes=400000-');
    assert.equal(fromOrigin[0]!.bytesSent, full.length - 400_000);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /continuing from byte 400000/);
  });

  it('falls through a mirror that lacks the content (404) to the next mirror, then the origin', async () => {
    const c = mirrored([empty.url, cacheProxy.url]);
    assert.equal((await c.manifest('samples/app', app.manifestDigest)).digest, app.manifestDigest);
    assert.equal(cacheProxy.requests.length, 1);
    assert.equal(originProxy.requests.length, 0, 'the origin was not asked');
    const alone = mirrored([empty.url]);
    assert.deepEqual(await alone.blobBytes('samples/app', { digest: app.configDigest, size: app.configBytes.length }), app.configBytes);
    assert.ok(originProxy.requests.some((r) => r.path.includes(`/blobs/${app.configDigest}`)));
    assert.deepEqual(warnings, [], 'a cache missing something is not worth a warning');
  });

  it('treats wrong bytes from a mirror as that host failing and asks the next', async () => {
    const c = mirrored([cacheProxy.url]);
    cacheProxy.inject(MANIFEST, { kind: 'flip', at: 10 });
    assert.equal((await c.manifest('samples/app', app.manifestDigest)).digest, app.manifestDigest);
    cacheProxy.inject(BLOB, { kind: 'flip', at: 5 });
    assert.deepEqual(await c.blobBytes('samples/app', { digest: app.configDigest, size: app.configBytes.length }), app.configBytes);
    assert.deepEqual(
      originProxy.requests.map((r) => r.path.replace(/\?.*/, '')),
      [`/v2/samples/app/manifests/${app.manifestDigest}`, `/v2/samples/app/blobs/${app.configDigest}`],
    );
    assert.equal(warnings.length, 1, 'one warning per mirror and kind of failure');
    assert.match(warnings[0]!, /DIGEST|digest/);
  });

  it('downloads a layer again from the next host when a mirror\'s bytes fail the content store\'s check', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ctrimg-mirrored-'));
    try {
      const content = new ContentStore(root);
      await content.init();
      const c = mirrored([cacheProxy.url]);
      const size = big.blobs.get(bigLayer)!.length;
      cacheProxy.inject(BLOB, { kind: 'flip', at: 200_000 });
      await content.feed(bigLayer, c.blob('samples/big', bigLayer, { size }), { size }).done;
      assert.deepEqual(await content.read(bigLayer), big.blobs.get(bigLayer));
      assert.deepEqual(cacheProxy.requests.filter((r) => BLOB.test(r.path)).map((r) => r.fault), ['flip']);
      assert.deepEqual(originProxy.requests.filter((r) => BLOB.test(r.path)).map((r) => [r.range, r.bytesSent]), [[undefined, size]]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /mirror .* sent bytes for sha256:.* that do not match its digest; fetching it from the next host/);
      // The origin's own wrong bytes leave nothing else to try.
      const again = mirrored([]);
      originProxy.inject(BLOB, { kind: 'flip', at: 10 });
      const other = big.configDigest;
      await assert.rejects(
        content.feed(other, again.blob('samples/big', other, { size: big.configBytes.length }), { size: big.configBytes.length }).done,
        (e: unknown) => e instanceof CtrimgError && e.code === 'DIGEST_MISMATCH',
      );
      assert.equal(await content.has(other), false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('tries an unreachable mirror once, warns once and skips it for the rest of the command', async () => {
    const dead = await startDeadPort();
    try {
      const unreachable = new Set<string>();
      const c = mirrored([dead.url, cacheProxy.url], unreachable);
      await c.ping();
      await c.manifest('samples/app', '1.0');
      await c.blobBytes('samples/app', { digest: app.configDigest, size: app.configBytes.length });
      // A second client of the same command shares what the first learnt.
      const again = mirrored([dead.url, cacheProxy.url], unreachable);
      await again.tags('samples/app');
      assert.equal(dead.connections(), 1, 'one connection attempt in all, no retries');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, new RegExp(`mirror ${dead.host}: .*not using it for the rest of this command`));
      assert.equal(originProxy.requests.length, 0, 'the origin was not asked');
    } finally {
      await dead.stop();
    }
  });

  it('gives up on a refused mirror port without waiting for backoff', async () => {
    const port = await freePort();
    const c = mirrored([`http://127.0.0.1:${port}`]);
    const t0 = Date.now();
    assert.equal((await c.manifest('samples/app', '1.0')).digest, app.manifestDigest);
    assert.ok(Date.now() - t0 < 2_000, `took ${Date.now() - t0} ms`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /connection refused/);
  });

  it('lists the catalog from the origin first, and from a mirror only when the origin is unreachable', async () => {
    // The cache has seen samples/app by now (earlier tests), but its catalog is not the origin's.
    const c = mirrored([cacheProxy.url]);
    assert.deepEqual((await c.catalog()).sort(), ['samples/app', 'samples/big']);
    assert.ok(!cacheProxy.requests.some((r) => r.path.startsWith('/v2/_catalog')));
    const deadOrigin = mirrored([cacheProxy.url], new Set(), `http://127.0.0.1:${await freePort()}`);
    const cached = await deadOrigin.catalog();
    assert.ok(cached.includes('samples/app'), `cached catalog: ${cached.join(', ')}`);
    assert.ok(cacheProxy.requests.some((r) => r.path.startsWith('/v2/_catalog')));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /unreachable; listing the repositories mirror .* has cached/);
  });

  it('reports the origin\'s own failure when no host has the content', async () => {
    const c = mirrored([empty.url]);
    await assert.rejects(c.manifest('samples/app', '9.9'), (e: unknown) => {
      assert.ok(e instanceof CtrimgError);
      assert.equal(e.code, 'MANIFEST_UNKNOWN');
      assert.match(e.message, new RegExp(new URL(originProxy.url).host));
      return true;
    });
  });
});
