/** Proves the auth registry variants: anonymous requests are challenged, credentials/tokens work, skopeo can push. */
import assert from 'node:assert/strict';
import { startBasicAuthRegistry, startTokenAuthRegistry, fetchToken, type BasicAuthRegistry, type TokenAuthRegistry } from '../../support/auth.js';
import { MEDIA_TYPES, publishImage, sha256, skopeoInspectRaw, tarFromEntries } from '../../support/oci-layout.js';

const USER = 'alice';
const PASS = 'wonder land:1'; // contains a space and a colon on purpose

describe('support: basic-auth registry', function () {
  let reg: BasicAuthRegistry;
  before(async function () {
    reg = await startBasicAuthRegistry(USER, PASS);
  });
  after(async function () {
    await reg?.stop();
  });

  it('rejects anonymous and wrong credentials, accepts the right ones', async function () {
    const anon = await fetch(`${reg.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const wrong = await fetch(`${reg.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`${reg.url}/v2/`, { headers: { authorization: reg.authorization } });
    assert.equal(ok.status, 200);
  });

  it('skopeo pushes with --dest-creds and the manifest is readable with the credentials only', async function () {
    const img = await publishImage(
      reg.host,
      { repo: 'private/app', tag: '1', layers: [{ tar: await tarFromEntries([{ name: 'x', content: 'x' }]) }] },
      { creds: { username: USER, password: PASS } },
    );
    const anon = await fetch(`${reg.url}/v2/private/app/manifests/1`, { headers: { accept: MEDIA_TYPES.manifest } });
    assert.equal(anon.status, 401);
    const res = await fetch(`${reg.url}/v2/private/app/manifests/1`, {
      headers: { accept: MEDIA_TYPES.manifest, authorization: reg.authorization },
    });
    assert.equal(res.status, 200);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), img.manifestDigest);
  });
});

describe('support: token-auth registry', function () {
  let t: TokenAuthRegistry;
  before(async function () {
    t = await startTokenAuthRegistry({ users: { [USER]: PASS } });
  });
  after(async function () {
    await t?.stop();
  });

  it('issues a Bearer challenge pointing at the token server', async function () {
    const res = await fetch(`${t.registry.url}/v2/`);
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /);
    assert.ok(challenge.includes(`realm="${t.tokenUrl}"`), challenge);
    assert.ok(challenge.includes(`service="${t.service}"`), challenge);
  });

  it('skopeo pushes through the token flow, and a token from the server reads the manifest', async function () {
    const img = await publishImage(
      t.registry.host,
      { repo: 'samples/tok', tag: '1', layers: [{ tar: await tarFromEntries([{ name: 'y', content: 'y' }]) }] },
      { creds: { username: USER, password: PASS } },
    );
    assert.ok(
      t.requests.some((r) => r.basic && r.username === USER && r.scopes.some((s) => s === 'repository:samples/tok:pull,push')),
      JSON.stringify(t.requests),
    );
    const raw = await skopeoInspectRaw(img.reference, { username: USER, password: PASS });
    assert.equal(sha256(raw), img.manifestDigest);

    const url = `${t.registry.url}/v2/samples/tok/manifests/1`;
    const noToken = await fetch(url, { headers: { accept: MEDIA_TYPES.manifest } });
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get('www-authenticate') ?? '', /scope="repository:samples\/tok:pull"/);

    const before = t.requests.length;
    const { status, token } = await fetchToken(t.tokenUrl, t.service, ['repository:samples/tok:pull'], { username: USER, password: PASS });
    assert.equal(status, 200);
    assert.equal(t.requests.length, before + 1);
    assert.deepEqual(t.requests.at(-1)?.granted, [{ type: 'repository', name: 'samples/tok', actions: ['pull'] }]);
    const res = await fetch(url, { headers: { accept: MEDIA_TYPES.manifest, authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), img.manifestDigest);

    // tokens the registry must refuse: other repo, expired, wrong audience
    for (const bad of [
      t.mintToken({ access: [{ type: 'repository', name: 'samples/other', actions: ['pull'] }] }),
      t.mintToken({ access: [{ type: 'repository', name: 'samples/tok', actions: ['pull'] }], expiresIn: -3600 }),
      t.mintToken({ access: [{ type: 'repository', name: 'samples/tok', actions: ['pull'] }], audience: 'someone-else' }),
    ]) {
      const r = await fetch(url, { headers: { accept: MEDIA_TYPES.manifest, authorization: `Bearer ${bad}` } });
      assert.equal(r.status, 401);
      await r.arrayBuffer();
    }
  });

  it('the token server refuses anonymous and wrong-password requests by default', async function () {
    assert.equal((await fetchToken(t.tokenUrl, t.service, ['repository:samples/tok:pull'])).status, 401);
    assert.equal((await fetchToken(t.tokenUrl, t.service, ['repository:samples/tok:pull'], { username: USER, password: 'x' })).status, 401);
    assert.deepEqual(
      t.requests.slice(-2).map((r) => [r.basic, r.status]),
      [
        [false, 401],
        [true, 401],
      ],
    );
  });
});
