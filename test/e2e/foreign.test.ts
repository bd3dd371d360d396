/**
 * A foreign (non-distributable) layer whose blob the registry does not have: Install fetches it
 * from the URLs in its descriptor in order, served on loopback, and verifies it by digest.
 * (distribution itself refuses layer URLs other than http and https: the skipping of other
 * schemes is tested in test/registry/foreign.test.ts.)
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { readTree } from '../support/fixtures.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const ND_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}` as const;

describe('end to end: foreign layers', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let root: string;
  let server: Server;
  let port: number;
  /** In front of the loopback server, for layer URLs whose transfer breaks. */
  let proxy: FaultProxy;
  /** What the loopback server serves at /layers/<name>, and the paths it was asked for. */
  const served = new Map<string, Buffer>();
  const requests: string[] = [];

  before(async () => {
    // distribution refuses manifests with layer URLs unless they match an allow list.
    registry = await startRegistry({ extraConfig: ['validation:', '  manifests:', '    urls:', '      allow:', "        - '^http://127\\.0\\.0\\.1:'"].join('\n') });
    root = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-foreign-'));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const bytes = served.get(req.url ?? '');
      const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      if (bytes && from > 0) {
        const headers = { 'content-length': bytes.length - from, 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` };
        return res.writeHead(206, headers).end(bytes.subarray(from));
      }
      res.writeHead(bytes ? 200 : 404, { 'content-length': bytes?.length ?? 0 }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    proxy = await startFaultProxy(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    await proxy?.stop();
    server?.close();
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Publishes repo:1.0 with one foreign layer listing `urls`; its blob is not pushed. */
  async function publishForeign(repo: string, blob: Buffer, tar: Buffer, urls: string[]) {
    const desc = { mediaType: ND_GZIP, digest: sha256(blob), size: blob.length, urls };
    const img = await publishImage(registry.host, {
      repo,
      tag: '1.0',
      layers: [{ tar, rawBlob: blob, mediaType: ND_GZIP }],
      manifestOverrides: { layers: [desc] },
    });
    const head = await fetch(`${registry.url}/v2/${repo}/blobs/${desc.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404, 'the registry must not have the foreign blob');
    return img;
  }

  it('installs a foreign layer from its URL after the registry says it has no such blob', async () => {
    const tar = await tarFromEntries([{ name: 'Files/', type: 'directory' }, { name: 'Files/base.txt', content: 'foreign base layer\n' }]);
    const blob = gzipSync(tar);
    served.set('/layers/base.tar.gz', blob);
    const img = await publishForeign('samples/foreignbase', blob, tar, [
      `http://127.0.0.1:${port}/layers/missing.tar.gz`,
      `http://127.0.0.1:${port}/layers/base.tar.gz`,
    ]);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(requests, ['/layers/missing.tar.gz', '/layers/base.tar.gz']);
    assert.match(r.stderr, /missing\.tar\.gz: HTTP 404; fetching it from http:\/\/127\.0\.0\.1:\d+\/layers\/base\.tar\.gz/);
    await ctrimgJson(root, ['New-Container', '-ContainerImageName', 'foreignbase', '-Name', 'f1']);
    const [c] = await ctrimgJson(root, ['Get-Container', '-Name', 'f1']);
    assert.deepEqual(await readTree(String(c!.Path)), {
      Files: 'dir',
      'Files/base.txt': `file:${createHash('sha256').update('foreign base layer\n').digest('hex')}`,
    });
  });

  it('resumes a foreign layer whose transfer is reset mid-body with a Range request for the rest', async () => {
    const tar = await tarFromEntries([{ name: 'Files/', type: 'directory' }, { name: 'Files/big.bin', content: randomBytes(1024 * 1024) }]);
    const blob = gzipSync(tar);
    served.set('/layers/big.tar.gz', blob);
    proxy.inject(/^\/layers\/big\.tar\.gz$/, { kind: 'reset', after: 300_000 });
    const img = await publishForeign('samples/foreignresume', blob, tar, [`${proxy.url}/layers/big.tar.gz`]);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      proxy.requests.map((q) => [q.path, q.fault, q.range, q.status, q.bytesSent]),
      [
        ['/layers/big.tar.gz', 'reset', undefined, 200, 300_000],
        ['/layers/big.tar.gz', undefined, 'bytes=300000-', 206, blob.length - 300_000],
      ],
    );
    const images = await ctrimgJson(root, ['Get-ContainerImage', '-Name', 'foreignresume']);
    assert.equal(images.length, 1);
  });

  it('keeps the partial of a foreign layer whose URL fails after a reset, and the next install continues it', async () => {
    const tar = await tarFromEntries([{ name: 'Files/', type: 'directory' }, { name: 'Files/big.bin', content: randomBytes(1024 * 1024) }]);
    const blob = gzipSync(tar);
    served.set('/layers/later.tar.gz', blob);
    const path = /^\/layers\/later\.tar\.gz$/;
    // A reset, then the server is down for every attempt the retry policy makes (5).
    proxy.inject(path, { kind: 'reset', after: 300_000 });
    for (let i = 0; i < 5; i++) proxy.inject(path, { kind: 'status', status: 503 });
    const img = await publishForeign('samples/foreignlater', blob, tar, [`${proxy.url}/layers/later.tar.gz`]);
    proxy.requests.length = 0;
    const failing = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, /^Install-ContainerImage: layer sha256:[0-9a-f]{64} from http:\/\/127\.0\.0\.1:\d+\/layers\/later\.tar\.gz: HTTP 503/m);
    assert.equal((await stat(join(root, 'ingest', `${sha256(blob).slice(7)}.partial`))).size, 300_000);

    proxy.requests.length = 0;
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      proxy.requests.map((q) => [q.range, q.status, q.bytesSent]),
      [['bytes=300000-', 206, blob.length - 300_000]],
    );
  });

  it('fails with DIGEST_MISMATCH when the URL serves a wrong byte, installing nothing', async () => {
    const tar = await tarFromEntries([{ name: 'b.txt', content: 'y'.repeat(50_000) }]);
    const blob = gzipSync(tar);
    const wrong = Buffer.from(blob);
    wrong[wrong.length >> 1] ^= 0xff;
    served.set('/layers/wrong.tar.gz', wrong);
    requests.length = 0;
    const img = await publishForeign('samples/foreignwrong', blob, tar, [`http://127.0.0.1:${port}/layers/wrong.tar.gz`]);
    const before = await ctrimgJson(root, ['Get-ContainerImage']);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
    assert.equal(r.code, 1);
    assert.deepEqual(requests, ['/layers/wrong.tar.gz']);
    // DIGEST_MISMATCH, in one line.
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Install-ContainerImage:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /layer sha256:[0-9a-f]{64}: content does not match its digest.* \[DIGEST_MISMATCH\]$/);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), before);
  });
});
