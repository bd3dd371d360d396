import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ContentStore } from '../../../src/content/store.js';
import { CtrimgError, notFound } from '../../../src/errors.js';
import { sha256, type Digest } from '../../../src/image/digest.js';
import type { Descriptor } from '../../../src/image/manifest.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { isForeignLayer, layerFetch } from '../../../src/registry/foreign.js';

const BYTES = Buffer.from('0123456789abcdefghij');
const DIGEST = `sha256:${'ab'.repeat(32)}` as Digest;

async function readAll(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A client whose registry has the blob (`has`) or answers BLOB_UNKNOWN; records offsets asked. */
function fakeClient(has: boolean, asked: number[]): RegistryClient {
  const blob = async (offset: number) => {
    asked.push(offset);
    if (!has) throw notFound('blob unknown', { code: 'BLOB_UNKNOWN' });
    return Readable.from([BYTES.subarray(offset)]);
  };
  return { blob: () => blob } as unknown as RegistryClient;
}

describe('registry/foreign', () => {
  let server: Server;
  let base: string;
  const requests: { url: string; range?: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url!, range: req.headers.range });
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (req.url === '/ranged' && m) {
        const from = Number(m[1]);
        res.writeHead(206, { 'content-range': `bytes ${from}-${BYTES.length - 1}/${BYTES.length}` }).end(BYTES.subarray(from));
      } else if (req.url === '/ranged' || req.url === '/plain') res.writeHead(200).end(BYTES);
      else if (req.url === '/wrong') res.writeHead(200).end(Buffer.from(BYTES).reverse());
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());
  beforeEach(() => (requests.length = 0));

  const desc = (mediaType: string, urls?: string[]): Descriptor => ({ mediaType, digest: DIGEST, size: BYTES.length, ...(urls && { urls }) });
  const ND = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';

  it('knows the foreign media types', () => {
    for (const mt of [
      'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      'application/vnd.oci.image.layer.nondistributable.v1.tar',
      ND,
      'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
    ]) {
      assert.equal(isForeignLayer(mt), true, mt);
    }
    assert.equal(isForeignLayer('application/vnd.oci.image.layer.v1.tar+gzip'), false);
  });

  it('takes ordinary layers from the registry only, urls or not', async () => {
    const asked: number[] = [];
    const fetch = layerFetch(fakeClient(false, asked), 'r', desc('application/vnd.oci.image.layer.v1.tar+gzip', [`${base}/plain`]), { warn: () => {} });
    await assert.rejects(fetch(0), (e: unknown) => e instanceof CtrimgError && e.code === 'BLOB_UNKNOWN');
    assert.deepEqual([asked, requests], [[0], []]);
  });

  it('takes a foreign layer from the registry when it has it', async () => {
    const asked: number[] = [];
    const fetch = layerFetch(fakeClient(true, asked), 'r', desc(ND, [`${base}/plain`]), { warn: () => {} });
    assert.equal(await readAll(await fetch(0)), BYTES.toString());
    assert.deepEqual(requests, []);
  });

  it('then tries the urls in order, skipping other schemes with a warning', async () => {
    const warnings: string[] = [];
    const urls = ['ftp://127.0.0.1/x', 'not a url', `${base}/missing`, `${base}/plain`, `${base}/ranged`];
    const fetch = layerFetch(fakeClient(false, []), 'r', desc(ND, urls), { warn: (m) => warnings.push(m) });
    assert.equal(await readAll(await fetch(0)), BYTES.toString());
    assert.deepEqual(requests.map((r) => r.url), ['/missing', '/plain']);
    assert.match(warnings[0]!, /skipping URL 'ftp:\/\/127\.0\.0\.1': only http and https are fetched$/);
    assert.match(warnings[1]!, /skipping URL 'not a url'/);
    assert.match(warnings[2]!, /blob unknown; fetching it from http:\/\/127\.0\.0\.1:\d+\/missing$/);
    assert.match(warnings[3]!, /missing: HTTP 404; fetching it from .*\/plain$/);
  });

  it('resumes from an offset with Range, and copes with a server that ignores it', async () => {
    for (const path of ['/ranged', '/plain']) {
      const fetch = layerFetch(fakeClient(false, []), 'r', desc(ND, [`${base}${path}`]), { warn: () => {} });
      assert.equal(await readAll(await fetch(7)), BYTES.subarray(7).toString(), path);
    }
    assert.deepEqual(requests, [
      { url: '/ranged', range: 'bytes=7-' },
      { url: '/plain', range: 'bytes=7-' },
    ]);
  });

  describe('into the content store', () => {
    let root: string;
    let content: ContentStore;
    const real = (urls: string[]): Descriptor => ({ mediaType: ND, digest: sha256(BYTES), size: BYTES.length, urls });
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'ctrimg-foreign-'));
      content = new ContentStore(root);
      await content.init();
    });
    afterEach(() => rm(root, { recursive: true, force: true }));

    it('passes over a URL that serves wrong bytes for the next one', async () => {
      const warnings: string[] = [];
      const d = real([`${base}/wrong`, `${base}/plain`]);
      await content.feed(d.digest, layerFetch(fakeClient(false, []), 'r', d, { warn: (m) => warnings.push(m) }), { size: d.size }).done;
      assert.deepEqual(await content.read(d.digest), BYTES);
      assert.deepEqual(requests.map((r) => [r.url, r.range]), [['/wrong', undefined], ['/plain', undefined]]);
      assert.match(warnings.at(-1)!, /\/wrong sent bytes that do not match its digest; fetching it from http:\/\/127\.0\.0\.1:\d+\/plain$/);
      assert.deepEqual(await readdir(content.ingestDir), []);
    });

    it('fails with DIGEST_MISMATCH, keeping nothing, when every source is wrong', async () => {
      const d = real([`${base}/wrong`, `${base}/wrong`]);
      await assert.rejects(
        content.feed(d.digest, layerFetch(fakeClient(false, []), 'r', d, { warn: () => {} }), { size: d.size }).done,
        (e: unknown) => e instanceof CtrimgError && e.code === 'DIGEST_MISMATCH',
      );
      assert.equal(requests.length, 2);
      assert.equal(await content.has(d.digest), false);
      assert.deepEqual(await readdir(content.ingestDir), []);
    });
  });

  it('fails with the last error when no source has it', async () => {
    const noUrls = layerFetch(fakeClient(false, []), 'r', desc(ND), { warn: () => {} });
    await assert.rejects(noUrls(0), (e: unknown) => e instanceof CtrimgError && e.code === 'BLOB_UNKNOWN');
    const bad = layerFetch(fakeClient(false, []), 'r', desc(ND, [`${base}/missing`]), { warn: () => {} });
    await assert.rejects(bad(0), (e: unknown) => e instanceof CtrimgError && e.code === 'LAYER_URL_FAILED' && /\/missing: HTTP 404$/.test(e.message));
  });
});
