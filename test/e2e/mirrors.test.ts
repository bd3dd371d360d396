/**
 * Mirrors end to end through the executable: an origin registry holding the fixtures, a real
 * pull-through cache (`proxy: remoteurl:`) in front of it, and recording proxies in front of
 * both so the test sees which host the CLI asked for what. The fixtures are pushed through the
 * origin's recorder, so the images' base references name the host the source is registered at.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { startDeadPort, type DeadPort } from '../support/dead-port.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { publishFixtures, type Fixtures } from '../support/fixtures.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

describe('end to end: a source with mirrors', function () {
  this.timeout(120_000);
  let origin: RunningRegistry;
  let cache: RunningRegistry;
  let originProxy: FaultProxy;
  let cacheProxy: FaultProxy;
  let dead: DeadPort;
  let fx: Fixtures;
  let root: string;

  const BLOB = /\/blobs\/sha256:/;
  const MANIFEST = /\/manifests\//;
  const register = (r: string, ...more: string[]) =>
    ctrimg(r, ['Register-ContainerImageSource', '-Name', 'local', '-Location', originProxy.url, '-Insecure', '-Namespace', 'samples', ...more]);

  before(async () => {
    origin = await startRegistry();
    originProxy = await startFaultProxy(origin.url);
    fx = await publishFixtures(new URL(originProxy.url).host);
    cache = await startRegistry({ extraConfig: `proxy:\n  remoteurl: ${origin.url}\n` });
    cacheProxy = await startFaultProxy(cache.url);
    dead = await startDeadPort();
  });
  after(async () => {
    await dead?.stop();
    await cacheProxy?.stop();
    await originProxy?.stop();
    await cache?.stop();
    await origin?.stop();
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-mirrors-'));
    originProxy.requests.length = 0;
    cacheProxy.requests.length = 0;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses bad -Mirror input with a usage error and registers nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-Mirror', 'not a url'], /mirror 'not a url' is not a valid URL/],
      [['-Mirror', `${cacheProxy.url}/v2/`], /mirror .* must be the registry's root URL/],
      [['-Mirror', 'ftp://127.0.0.1:1'], /mirror .* must use https/],
      [['-Mirror', `${cacheProxy.url},${cacheProxy.url}/`], /mirror .* is given more than once/],
      [['-Mirror', originProxy.url], /mirror .* is the source's own location/],
    ];
    for (const [args, message] of cases) {
      const r = await register(root, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
    const plain = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', 'https://127.0.0.1:1', '-Mirror', cacheProxy.url]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /mirror .* uses plain http/);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImageSource']), []);
  });

  it('registers mirrors in order and shows them', async () => {
    assert.equal((await register(root, '-Mirror', `${dead.url},${cacheProxy.url}/`)).code, 0);
    const [source] = await ctrimgJson(root, ['Get-ContainerImageSource']);
    assert.deepEqual(source!.Mirrors, [dead.url, cacheProxy.url]);
    const table = await ctrimg(root, ['Get-ContainerImageSource']);
    assert.match(table.stdout, /Mirrors/);
    assert.ok(table.stdout.includes(`{${dead.url}, ${cacheProxy.url}}`), table.stdout);
    // Unregistering takes the mirrors with it.
    assert.equal((await ctrimg(root, ['Unregister-ContainerImageSource', 'local', '-Force'])).code, 0);
    assert.equal((await register(root)).code, 0);
    assert.deepEqual((await ctrimgJson(root, ['Get-ContainerImageSource']))[0]!.Mirrors, []);
  });

  it('finds through the origin catalog and the cache, and installs with every blob from the cache', async () => {
    assert.equal((await register(root, '-Mirror', cacheProxy.url)).code, 0);
    const found = await ctrimgJson(root, ['Find-ContainerImage']);
    assert.deepEqual(found.map((f) => f.Name), ['Multi', 'NanoServer', 'WebApp']);
    assert.ok(originProxy.requests.some((r) => r.path.startsWith('/v2/_catalog')), 'catalog from the origin');
    assert.ok(!originProxy.requests.some((r) => /\/tags\/list/.test(r.path) || MANIFEST.test(r.path)), 'tags and manifests not from the origin');
    assert.ok(cacheProxy.requests.some((r) => /\/tags\/list/.test(r.path)));

    originProxy.requests.length = 0;
    const r = await ctrimg(root, ['Install-ContainerImage', '-Name', 'WebApp']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /Installed WebApp 1\.2\.0\.0/);
    const served = new Set(cacheProxy.requests.filter((q) => BLOB.test(q.path) && q.status === 200).map((q) => /sha256:[0-9a-f]{64}/.exec(q.path)![0]));
    for (const digest of [...fx.child.layerDigests, fx.child.configDigest, fx.base.configDigest]) {
      assert.ok(served.has(digest), `${digest} came through the cache`);
    }
    assert.deepEqual(
      originProxy.requests.filter((q) => BLOB.test(q.path) || MANIFEST.test(q.path)),
      [],
      'no manifest or blob from the origin',
    );
    const images = await ctrimgJson(root, ['Get-ContainerImage']);
    assert.deepEqual(images.map((i) => i.Name).sort(), ['NanoServer', 'WebApp']);
  });

  it('fetches a layer again from the origin when the cache sends wrong bytes for it', async () => {
    assert.equal((await register(root, '-Mirror', cacheProxy.url)).code, 0);
    const app = fx.child.layerDigests.at(-1)!;
    cacheProxy.inject(new RegExp(`/blobs/${app}`), { kind: 'flip', at: 20 });
    const r = await ctrimg(root, ['Install-ContainerImage', '-Name', 'WebApp']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`mirror ${new URL(cacheProxy.url).host} sent bytes for ${app} that do not match its digest`));
    assert.deepEqual(
      originProxy.requests.filter((q) => BLOB.test(q.path)).map((q) => /sha256:[0-9a-f]{64}/.exec(q.path)![0]),
      [app],
      'only the damaged layer came from the origin',
    );
  });

  it('installs past a dead first mirror with one connection attempt and one warning', async () => {
    assert.equal((await register(root, '-Mirror', `${dead.url},${cacheProxy.url}`)).code, 0);
    const before = dead.connections();
    const t0 = Date.now();
    const r = await ctrimg(root, ['Install-ContainerImage', '-Name', 'WebApp']);
    const elapsed = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(dead.connections() - before, 1, 'one connection to the dead mirror, no retries');
    const warnings = r.stderr.split('\n').filter((l) => l.includes(dead.host));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, /not using it for the rest of this command/);
    assert.ok(elapsed < 30_000, `took ${elapsed} ms`);
    assert.equal(originProxy.requests.filter((q) => BLOB.test(q.path)).length, 0, 'blobs still from the cache');

    const find = await ctrimg(root, ['Find-ContainerImage', '-Name', 'NanoServer']);
    assert.equal(find.code, 0, find.stderr);
    assert.match(find.stdout, /NanoServer/);
    assert.equal(dead.connections() - before, 2, 'a new command tries the mirror once more');
  });
});
