/**
 * RegistryClient against a real distribution registry, filled by skopeo from OCI layouts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import { parseImageConfig, parseManifest } from '../../../src/image/manifest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/image/mediatypes.js';
import { parsePlatform, selectManifest } from '../../../src/image/platform.js';
import { HostClient, type RegistryClient } from '../../../src/registry/client.js';
import { corruptRegistryBlob } from '../../support/fixtures.js';
import { publishImage, publishIndex, tarFromEntries, type PublishedImage, type PublishedIndex } from '../../support/oci-layout.js';
import { freePort, startRegistry, type RunningRegistry } from '../../support/registry.js';

function isError(code: string, kind?: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof CtrimgError, `expected a CtrimgError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (kind) assert.equal(e.kind, kind);
    if (message) assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'));
    return true;
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function layer(text: string): Promise<Buffer> {
  return tarFromEntries([{ name: 'hello.txt', content: text }]);
}

describe('registry/client against a real registry', function () {
  this.timeout(120_000);
  let reg: RunningRegistry;
  let client: RegistryClient;
  let app: PublishedImage;
  let multi: PublishedIndex;

  before(async () => {
    reg = await startRegistry();
    const spec = { repo: 'samples/app', tag: '1.0', layers: [{ tar: await layer('app') }] };
    app = await publishImage(reg.host, spec);
    for (const tag of ['1.1', '1.2']) await publishImage(reg.host, { ...spec, tag });
    await publishImage(reg.host, { repo: 'samples/other', tag: '1', layers: [{ tar: await layer('other') }] });
    multi = await publishIndex(reg.host, {
      repo: 'samples/multi',
      tag: '2',
      images: [
        { repo: 'x', tag: 'x', layers: [{ tar: await layer('linux') }] },
        { repo: 'x', tag: 'x', os: 'windows', osVersion: '10.0.20348.1000', layers: [{ tar: await layer('windows') }] },
      ],
    });
    client = new HostClient({ base: reg.url });
  });

  after(async () => {
    await client?.close();
    await reg?.stop();
  });

  describe('ping', () => {
    it('recognises the registry', async () => {
      assert.deepEqual(await client.ping(), { apiVersion: 'registry/2.0', authRequired: false });
    });

    it('reports a closed port as UNREACHABLE, naming the URL', async () => {
      const port = await freePort();
      const c = new HostClient({ base: `http://127.0.0.1:${port}` });
      try {
        await assert.rejects(c.ping(), isError('UNREACHABLE', 'failed', new RegExp(`http://127\\.0\\.0\\.1:${port}/v2/: connection refused`)));
      } finally {
        await c.close();
      }
    });

    it('reports an HTTP server that is not a registry as NOT_A_REGISTRY', async () => {
      for (const [status, body] of [
        [404, 'not found'],
        [200, '<html>hello</html>'],
      ] as const) {
        const server: Server = createServer((_req, res) => {
          res.writeHead(status, { 'content-type': 'text/html' });
          res.end(body);
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const c = new HostClient({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
        try {
          await assert.rejects(c.ping(), isError('NOT_A_REGISTRY', 'failed', new RegExp(`is not a container registry \\(GET /v2/ answered ${status}`)));
        } finally {
          await c.close();
          await new Promise<void>((r) => server.close(() => r()));
        }
      }
    });
  });

  describe('listings', () => {
    it('pages through the catalog', async () => {
      const c = new HostClient({ base: reg.url, pageSize: 1 });
      try {
        assert.deepEqual(await c.catalog(), ['samples/app', 'samples/multi', 'samples/other']);
      } finally {
        await c.close();
      }
      assert.deepEqual(await client.catalog(), ['samples/app', 'samples/multi', 'samples/other']);
    });

    // distribution 2.8 ignores n= for tags and sends them all in storage order; the paging
    // loop is shared with catalog (above) and Link parsing is unit-tested.
    it('lists tags', async () => {
      const c = new HostClient({ base: reg.url, pageSize: 1 });
      try {
        assert.deepEqual((await c.tags('samples/app')).sort(), ['1.0', '1.1', '1.2']);
      } finally {
        await c.close();
      }
    });

    it('maps an unknown repository to NAME_UNKNOWN', async () => {
      await assert.rejects(client.tags('samples/nope'), isError('NAME_UNKNOWN', 'notFound', new RegExp(`^repository unknown: ${reg.host}/samples/nope$`)));
    });
  });

  describe('manifests', () => {
    it('fetches an OCI manifest by tag and by digest', async () => {
      for (const ref of ['1.0', app.manifestDigest]) {
        const m = await client.manifest('samples/app', ref);
        assert.equal(m.digest, app.manifestDigest);
        assert.equal(m.mediaType, OCI_MANIFEST);
        assert.deepEqual(m.bytes, app.manifestBytes);
        const parsed = parseManifest(m.bytes, m.mediaType);
        assert.equal(parsed.kind, 'manifest');
      }
    });

    it('fetches an index and the manifest chosen from it', async () => {
      const idx = await client.manifest('samples/multi', '2');
      assert.equal(idx.digest, multi.indexDigest);
      assert.equal(idx.mediaType, OCI_INDEX);
      const parsed = parseManifest(idx.bytes, idx.mediaType);
      assert.equal(parsed.kind, 'index');
      if (parsed.kind !== 'index') return;
      const chosen = selectManifest(parsed.manifests, { host: parsePlatform('windows/amd64:10.0.20348.1') }).entry;
      assert.equal(chosen.digest, multi.images[1]!.manifestDigest);
      const m = await client.manifest('samples/multi', chosen.digest);
      assert.equal(m.digest, chosen.digest);
    });

    it('maps unknown tags, digests and repositories to notFound', async () => {
      await assert.rejects(client.manifest('samples/app', '9.9'), isError('MANIFEST_UNKNOWN', 'notFound', new RegExp(`^manifest unknown: ${reg.host}/samples/app:9\\.9$`)));
      const missing: Digest = `sha256:${'0'.repeat(64)}`;
      await assert.rejects(client.manifest('samples/app', missing), isError('MANIFEST_UNKNOWN', 'notFound', new RegExp(`@${missing}$`)));
      await assert.rejects(client.manifest('samples/nope', '1'), (e: unknown) => e instanceof CtrimgError && e.kind === 'notFound');
    });

    it('rejects bad names before any request', async () => {
      await assert.rejects(client.manifest('Samples/App', '1'), isError('USAGE', 'usage'));
      await assert.rejects(client.manifest('samples/app', '../x'), isError('USAGE', 'usage'));
    });
  });

  describe('blobs', () => {
    it('streams a layer from the start or from an offset, and reads a config whole and verified', async () => {
      const layerDigest = app.layerDigests[0]!;
      const whole = app.blobs.get(layerDigest)!;
      const fetch = client.blob('samples/app', layerDigest, { size: whole.length });
      assert.deepEqual(await readAll(await fetch(0)), whole);
      assert.deepEqual(await readAll(await fetch(5)), whole.subarray(5));
      const config = parseImageConfig(await client.blobBytes('samples/app', { digest: app.configDigest, size: app.configBytes.length }));
      assert.deepEqual(config.diffIds, app.diffIds);
    });

    it('fails when the descriptor size is wrong', async () => {
      const layerDigest = app.layerDigests[0]!;
      await assert.rejects(client.blob('samples/app', layerDigest, { size: 3 })(0), isError('DIGEST_MISMATCH', 'failed'));
    });

    it('maps an unknown blob to BLOB_UNKNOWN', async () => {
      const missing: Digest = `sha256:${'0'.repeat(64)}`;
      await assert.rejects(
        client.blob('samples/app', missing, { size: 1 })(0),
        isError('BLOB_UNKNOWN', 'notFound', new RegExp(`^blob unknown: ${reg.host}/samples/app@${missing}$`)),
      );
    });

    describe('with corrupted storage', () => {
      let bad: PublishedImage;
      before(async () => {
        bad = await publishImage(reg.host, { repo: 'samples/bad', tag: '1', layers: [{ tar: await layer('corrupt me') }] });
        await corruptRegistryBlob(reg.dir, bad.layerDigests[0]!);
        await corruptRegistryBlob(reg.dir, bad.manifestDigest);
      });

      it('makes a blob read whole fail with DIGEST_MISMATCH', async () => {
        const digest = bad.layerDigests[0]!;
        await assert.rejects(
          client.blobBytes('samples/bad', { digest, size: bad.blobs.get(digest)!.length }),
          isError('DIGEST_MISMATCH', 'failed', /blob .*samples\/bad@sha256:.*does not match its digest/),
        );
      });

      it('makes a manifest fetched by digest fail with DIGEST_MISMATCH', async () => {
        await assert.rejects(client.manifest('samples/bad', bad.manifestDigest), isError('DIGEST_MISMATCH', 'failed'));
      });
    });
  });
});
