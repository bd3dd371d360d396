/** RegistryClient against real registries that require Basic (htpasswd) or Bearer token auth. */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import type { RegistryCredentials } from '../../../src/registry/auth.js';
import { HostClient, type RegistryClient } from '../../../src/registry/client.js';
import { startBasicAuthRegistry, startTokenAuthRegistry, type BasicAuthRegistry, type TokenAuthRegistry } from '../../support/auth.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../../support/oci-layout.js';

const alice = { username: 'alice', password: 'pa55-w0rd' };

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function withClient<T>(base: string, credentials: RegistryCredentials | undefined, fn: (c: RegistryClient) => Promise<T>): Promise<T> {
  const c = new HostClient({ base, credentials });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

function unauthorized(e: unknown): boolean {
  assert.ok(e instanceof CtrimgError, String(e));
  assert.equal(e.code, 'UNAUTHORIZED', e.message);
  const shown = `${e.message} ${e.hint ?? ''}`;
  assert.ok(!shown.includes(alice.password) && !shown.includes('wrong-password') && !/Basic |Bearer [A-Za-z0-9]/.test(shown), shown);
  return true;
}

async function pullAll(c: RegistryClient, image: PublishedImage): Promise<void> {
  assert.deepEqual(await c.tags(image.repo), [image.tag]);
  const m = await c.manifest(image.repo, image.tag);
  assert.equal(m.digest, image.manifestDigest);
  const layer = image.layerDigests[0]!;
  assert.deepEqual(await readAll(await c.blob(image.repo, layer, { size: image.blobs.get(layer)!.length })(0)), image.blobs.get(layer));
}

describe('registry/client with auth', function () {
  this.timeout(120_000);

  describe('Basic (htpasswd)', () => {
    let reg: BasicAuthRegistry;
    let image: PublishedImage;

    before(async () => {
      reg = await startBasicAuthRegistry(alice.username, alice.password);
      const tar = await tarFromEntries([{ name: 'a.txt', content: 'basic' }]);
      image = await publishImage(reg.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar }] }, { creds: alice });
    });
    after(() => reg?.stop());

    it('pings as a registry that requires auth', async () => {
      assert.deepEqual(await withClient(reg.url, undefined, (c) => c.ping()), { apiVersion: 'registry/2.0', authRequired: true });
    });

    it('reads tags, manifests and blobs with credentials', async () => {
      await withClient(reg.url, alice, (c) => pullAll(c, image));
    });

    it('reports wrong or missing credentials as UNAUTHORIZED without showing them', async () => {
      await withClient(reg.url, { ...alice, password: 'wrong-password' }, (c) => assert.rejects(c.manifest('samples/app', '1.0'), unauthorized));
      await withClient(reg.url, undefined, (c) => assert.rejects(c.tags('samples/app'), unauthorized));
    });
  });

  describe('Bearer (token server)', () => {
    let auth: TokenAuthRegistry;
    let image: PublishedImage;

    before(async () => {
      auth = await startTokenAuthRegistry({ users: { alice: alice.password }, anonymous: 'reject' });
      const tar = await tarFromEntries([{ name: 'a.txt', content: 'token' }]);
      image = await publishImage(auth.registry.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar }] }, { creds: alice });
      auth.requests.length = 0;
    });
    after(() => auth?.stop());

    it('fetches one token per scope with the credentials and reuses it', async () => {
      await withClient(auth.registry.url, alice, async (c) => {
        await pullAll(c, image);
        await pullAll(c, image);
        assert.deepEqual(await c.catalog(), ['samples/app']);
      });
      assert.deepEqual(
        auth.requests.map((r) => [r.service, r.scopes, r.basic, r.username, r.status]),
        [
          [auth.service, ['repository:samples/app:pull'], true, 'alice', 200],
          [auth.service, ['registry:catalog:*'], true, 'alice', 200],
        ],
      );
    });

    it('reports refused credentials and anonymous access as UNAUTHORIZED', async () => {
      await withClient(auth.registry.url, { ...alice, password: 'wrong-password' }, (c) => assert.rejects(c.manifest('samples/app', '1.0'), unauthorized));
      await withClient(auth.registry.url, undefined, (c) => assert.rejects(c.manifest('samples/app', '1.0'), unauthorized));
    });
  });

  describe('Bearer with an identity token (the OAuth2 refresh_token grant)', () => {
    const IDENTITY = 'refresh-token-from-an-oauth-login';
    let auth: TokenAuthRegistry;
    let image: PublishedImage;

    before(async () => {
      auth = await startTokenAuthRegistry({ users: { alice: alice.password }, anonymous: 'reject', refreshTokens: { [IDENTITY]: 'alice' } });
      const tar = await tarFromEntries([{ name: 'a.txt', content: 'oauth' }]);
      image = await publishImage(auth.registry.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar }] }, { creds: alice });
    });
    beforeEach(() => (auth.requests.length = 0));
    after(() => auth?.stop());

    it('POSTs the refresh_token grant as a form, once per scope, and uses the access token', async () => {
      await withClient(auth.registry.url, { identityToken: IDENTITY }, async (c) => {
        await pullAll(c, image);
        await pullAll(c, image);
        assert.deepEqual(await c.catalog(), ['samples/app']);
      });
      assert.deepEqual(
        auth.requests.map((r) => [r.method, r.contentType, r.grantType, r.clientId, r.service, r.scopes, r.basic, r.username, r.status]),
        [
          ['POST', 'application/x-www-form-urlencoded', 'refresh_token', 'ctrimg', auth.service, ['repository:samples/app:pull'], false, 'alice', 200],
          ['POST', 'application/x-www-form-urlencoded', 'refresh_token', 'ctrimg', auth.service, ['registry:catalog:*'], false, 'alice', 200],
        ],
      );
      assert.ok(auth.requests.every((r) => r.url === '/token'), 'the refresh token travels in the body, never in the URL');
    });

    it('reports a refresh token the server refuses as UNAUTHORIZED without showing it', async () => {
      await withClient(auth.registry.url, { identityToken: 'not-issued-by-this-server' }, (c) =>
        assert.rejects(c.manifest('samples/app', '1.0'), (e: unknown) => {
          assert.ok(e instanceof CtrimgError);
          assert.equal(e.code, 'UNAUTHORIZED');
          assert.match(e.message, /refused the identity token/);
          assert.match(e.hint ?? '', /log in/);
          assert.ok(!`${e.message} ${e.hint}`.includes('not-issued-by-this-server'));
          return true;
        }),
      );
      assert.deepEqual(auth.requests.map((r) => [r.method, r.grantType, r.status]), [['POST', 'refresh_token', 400]]);
    });
  });

  describe('Bearer with anonymous pull', () => {
    let auth: TokenAuthRegistry;
    let image: PublishedImage;

    before(async () => {
      auth = await startTokenAuthRegistry({ users: { alice: alice.password }, anonymous: 'pull' });
      const tar = await tarFromEntries([{ name: 'a.txt', content: 'public' }]);
      image = await publishImage(auth.registry.host, { repo: 'samples/public', tag: '2', layers: [{ tar }] }, { creds: alice });
      auth.requests.length = 0;
    });
    after(() => auth?.stop());

    it('pulls anonymously with a token fetched without credentials', async () => {
      await withClient(auth.registry.url, undefined, (c) => pullAll(c, image));
      assert.ok(auth.requests.length > 0 && auth.requests.every((r) => !r.basic));
    });
  });
});
