/**
 * Registry credentials from Docker's config.json through the real executable: Basic auth
 * against an htpasswd registry (base64 `auth`, credHelpers, credsStore), Bearer through a token
 * server, helpers never run for anonymous registries, and no secret in any output, -Debug included.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startBasicAuthRegistry, startTokenAuthRegistry, type BasicAuthRegistry, type TokenAuthRegistry } from '../support/auth.js';
import { ctrimg, type CliResult } from '../support/ctrimg.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const USER = 'alice';
const IDENTITY_TOKEN = 'identity-token-issued-by-login';
const PASSWORD = 'Sup3r-s3cret-pw';
const b64 = (s: string) => Buffer.from(s).toString('base64');

// Answers with alice's credentials for any host; logs each host it was asked for.
const HELPER = `#!/bin/sh
[ "$1" = get ] || exit 9
host=$(cat)
echo "$host" >> "$HELPER_LOG"
printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$host"
`;

describe('end to end: registry credentials from the Docker config', function () {
  this.timeout(120_000);
  let dir: string;
  let helperLog: string;
  let basic: BasicAuthRegistry;
  let image: PublishedImage;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-creds-'));
    await mkdir(join(dir, 'bin'));
    await writeFile(join(dir, 'bin', 'docker-credential-test'), HELPER);
    await chmod(join(dir, 'bin', 'docker-credential-test'), 0o755);
    helperLog = join(dir, 'helper.log');
    basic = await startBasicAuthRegistry(USER, PASSWORD);
    const tar = await tarFromEntries([{ name: 'app.txt', content: 'private' }]);
    image = await publishImage(basic.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar }] }, { creds: { username: USER, password: PASSWORD } });
  });
  after(async () => {
    await basic?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => rm(helperLog, { force: true }));

  /** A fresh store and a DOCKER_CONFIG dir holding `config` (none when undefined). */
  async function run(config: unknown, args: string[]): Promise<CliResult & { root: string }> {
    const root = await mkdtemp(join(dir, 'root-'));
    const dockerConfig = await mkdtemp(join(dir, 'docker-'));
    if (config !== undefined) await writeFile(join(dockerConfig, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    const env = { DOCKER_CONFIG: dockerConfig, PATH: `${join(dir, 'bin')}${delimiter}${process.env.PATH ?? ''}`, HELPER_LOG: helperLog };
    return { ...(await ctrimg(root, args, { env })), root };
  }
  const install = (ref: string, ...extra: string[]) => ['Install-ContainerImage', '-Reference', ref, '-Insecure', '-OutputFormat', 'Json', ...extra];
  /** The error of a failed install: with -OutputFormat Json, the first stderr line is the error as JSON. */
  const errorOf = (r: CliResult) => JSON.parse(r.stderr.split('\n')[0]!) as { Cmdlet: string; Message: string; Code: string };
  const helperCalls = async () => (await readFile(helperLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  function assertInstalled(r: CliResult, digest: string): void {
    assert.equal(r.code, 0, r.stderr);
    const [installed] = JSON.parse(r.stdout) as { Digest: string }[];
    assert.equal(installed!.Digest, digest);
  }
  function assertNoSecret(r: CliResult, ...secrets: string[]): void {
    for (const s of [PASSWORD, b64(`${USER}:${PASSWORD}`), ...secrets]) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `a secret was printed:\n${r.stdout}\n${r.stderr}`);
    }
  }

  it('without credentials the install fails (1) asking for them', async () => {
    const r = await run(undefined, install(image.reference));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /requires authentication/);
  });

  it('with a base64 auth entry in $DOCKER_CONFIG/config.json: installed', async () => {
    const r = await run({ auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) } } }, install(image.reference));
    assertInstalled(r, image.manifestDigest);
    assertNoSecret(r);
  });

  it('with the entry keyed by URL, Find-ContainerImage lists the image of a source', async () => {
    const root = await mkdtemp(join(dir, 'root-'));
    const config = await mkdtemp(join(dir, 'docker-'));
    await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [`http://${basic.host}/v1/`]: { username: USER, password: PASSWORD } } }));
    const env = { DOCKER_CONFIG: config };
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'private', '-Location', basic.url, '-Insecure', '-Namespace', 'samples'], { env });
    assert.equal(reg.code, 0, reg.stderr);
    const found = await ctrimg(root, ['Find-ContainerImage', '-OutputFormat', 'Json'], { env });
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual((JSON.parse(found.stdout) as { Name: string; Version: string }[]).map((f) => [f.Name, f.Version]), [['app', '1.0.0.0']]);
    const inst = await ctrimg(root, ['Install-ContainerImage', '-Name', 'app', '-OutputFormat', 'Json'], { env });
    assertInstalled(inst, image.manifestDigest);
  });

  it('through credHelpers and credsStore with docker-credential-test on PATH', async () => {
    const viaHelpers = await run({ credHelpers: { [basic.host]: 'test' } }, install(image.reference));
    assertInstalled(viaHelpers, image.manifestDigest);
    assertNoSecret(viaHelpers);
    assert.deepEqual(await helperCalls(), [basic.host], 'asked once, with the host');
    await rm(helperLog, { force: true });
    const viaStore = await run({ credsStore: 'test', auths: { [basic.host]: {} } }, install(image.reference));
    assertInstalled(viaStore, image.manifestDigest);
    assert.deepEqual(await helperCalls(), [basic.host]);
  });

  it('a registry that does not challenge never runs a helper', async () => {
    const open: RunningRegistry = await startRegistry();
    try {
      const pub = await publishImage(open.host, { repo: 'samples/open', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'o.txt', content: 'o' }]) }] });
      const r = await run({ credsStore: 'test' }, install(pub.reference));
      assertInstalled(r, pub.manifestDigest);
      assert.deepEqual(await helperCalls(), []);
    } finally {
      await open.stop();
    }
  });

  it('with -Debug neither the password nor its base64 is printed, on success or failure', async () => {
    const ok = await run({ auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) } } }, install(image.reference, '-Debug'));
    assertInstalled(ok, image.manifestDigest);
    assertNoSecret(ok);
    const wrong = `${PASSWORD}-wrong`;
    const bad = await run({ auths: { [basic.host]: { auth: b64(`${USER}:${wrong}`) } } }, install(image.reference, '-Debug'));
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /\n\s+at /, '-Debug printed the stack');
    assertNoSecret(bad, wrong, b64(`${USER}:${wrong}`));
    const malformed = await run(`{"auths": {"${basic.host}": {"auth": "${b64(`${USER}:${PASSWORD}`)}"}}`.slice(0, -1), install(image.reference, '-Debug'));
    assert.equal(malformed.code, 1, malformed.stderr);
    assert.equal(errorOf(malformed).Cmdlet, 'Install-ContainerImage');
    assert.match(errorOf(malformed).Message, /^cannot use the Docker config .*config\.json: it is not valid JSON/);
    assertNoSecret(malformed);
  });

  describe('Bearer token auth', () => {
    let t: TokenAuthRegistry;
    let pub: PublishedImage;
    before(async () => {
      t = await startTokenAuthRegistry({ users: { [USER]: PASSWORD }, anonymous: 'reject', refreshTokens: { [IDENTITY_TOKEN]: USER } });
      pub = await publishImage(t.registry.host, { repo: 'private/app', tag: '2.0', layers: [{ tar: await tarFromEntries([{ name: 't.txt', content: 't' }]) }] }, { creds: { username: USER, password: PASSWORD } });
    });
    after(() => t?.stop());

    it('installs with config credentials sent to the token server for exactly the pull scope', async () => {
      const seen = t.requests.length;
      const r = await run({ auths: { [t.registry.host]: { auth: b64(`${USER}:${PASSWORD}`) } } }, install(pub.reference, '-Debug'));
      assertInstalled(r, pub.manifestDigest);
      assertNoSecret(r);
      const ours = t.requests.slice(seen);
      assert.ok(ours.length >= 1, 'a token was requested');
      for (const req of ours) {
        assert.deepEqual([req.basic, req.username, req.scopes, req.status], [true, USER, ['repository:private/app:pull'], 200]);
      }
    });

    it('exchanges an identity token for an access token with the refresh_token grant', async () => {
      const seen = t.requests.length;
      const r = await run({ auths: { [t.registry.host]: { identitytoken: IDENTITY_TOKEN } } }, install(pub.reference, '-Debug'));
      assertInstalled(r, pub.manifestDigest);
      assertNoSecret(r, IDENTITY_TOKEN);
      const ours = t.requests.slice(seen);
      assert.ok(ours.length >= 1, 'a token was requested');
      for (const req of ours) {
        assert.deepEqual([req.method, req.grantType, req.clientId, req.scopes, req.status], ['POST', 'refresh_token', 'ctrimg', ['repository:private/app:pull'], 200]);
      }
    });

    it('a wrong identity token is one clear failure that does not show it', async () => {
      const r = await run({ auths: { [t.registry.host]: { identitytoken: 'not-a-token-we-issued' } } }, install(pub.reference, '-Debug'));
      assert.equal(r.code, 1, r.stderr);
      assert.equal(errorOf(r).Cmdlet, 'Install-ContainerImage');
      assert.match(errorOf(r).Message, /^the token server for .* refused the identity token/);
      assertNoSecret(r, 'not-a-token-we-issued');
    });
  });
});
