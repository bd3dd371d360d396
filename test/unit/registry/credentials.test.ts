/**
 * Docker config lookup: `auths` variants, credHelpers/credsStore through a stub
 * `docker-credential-test` script on PATH, and malformed configs reported without secrets.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import { DockerCredentials, dockerConfigPath, hostOfKey } from '../../../src/registry/credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

// Answers per host; logs every host it was asked for, one per line.
const HELPER = `#!/bin/sh
[ "$1" = get ] || exit 9
host=$(cat)
echo "$host" >> "$HELPER_LOG"
case "$host" in
  localhost:5000) echo '{"ServerURL":"localhost:5000","Username":"helper-user","Secret":"helper-secret"}' ;;
  127.0.0.7) echo '{"Username":"<token>","Secret":"refresh-me"}' ;;
  127.0.0.8) echo '{"Username":"<token>","Secret":""}' ;;
  127.0.0.9) echo 'oops helper-secret' >&2; exit 3 ;;
  127.0.0.10) echo 'helper-secret not json' ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;

describe('registry/credentials', () => {
  let dir: string;
  let bin: string;
  let log: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-creds-'));
    bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'docker-credential-test'), HELPER);
    await chmod(join(bin, 'docker-credential-test'), 0o755);
    log = join(dir, 'helper.log');
  });
  after(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => rm(log, { force: true }));

  async function withConfig(config: unknown): Promise<DockerCredentials> {
    const cfg = await mkdtemp(join(dir, 'cfg-'));
    await writeFile(join(cfg, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return new DockerCredentials({ DOCKER_CONFIG: cfg, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, HELPER_LOG: log });
  }
  const helperCalls = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  async function rejectsClearly(p: Promise<unknown>, message: RegExp, secrets: string[]): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof CtrimgError, String(e));
      assert.equal(e.exitCode, 1);
      assert.match(e.message, message);
      assert.equal(e.cause, undefined, 'no cause that could quote the secret under -Debug');
      for (const s of secrets) assert.ok(!`${e.message} ${e.hint ?? ''}`.includes(s), e.message);
      return true;
    });
  }

  it('finds the config in $DOCKER_CONFIG, else in ~/.docker', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }), join('/etc/dc', 'config.json'));
    assert.equal(dockerConfigPath({}), join(homedir(), '.docker', 'config.json'));
  });

  it('normalizes auths keys given as URLs', () => {
    assert.equal(hostOfKey('https://LocalHost:5000/v1/'), 'localhost:5000');
    assert.equal(hostOfKey('http://localhost'), 'localhost');
    assert.equal(hostOfKey('localhost:5000'), 'localhost:5000');
  });

  it('reads auths entries: base64 auth, username/password, identitytoken, keyed by host or URL', async () => {
    const creds = await withConfig({
      auths: {
        'localhost:5000': { auth: b64('alice:pa:ss') },
        'https://127.0.0.2/v1/': { auth: b64('bob:pw') },
        'http://127.0.0.3:8080': { username: 'carol', password: 'pw3' },
        '127.0.0.4': { username: '00000000-0000-0000-0000-000000000000', identitytoken: 'refresh-token' },
        '127.0.0.5': {},
      },
    });
    assert.deepEqual(await creds.lookup('localhost:5000'), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await creds.lookup('127.0.0.2'), { username: 'bob', password: 'pw' });
    assert.deepEqual(await creds.lookup('127.0.0.3:8080'), { username: 'carol', password: 'pw3' });
    assert.deepEqual(await creds.lookup('127.0.0.4'), { identityToken: 'refresh-token' });
    assert.equal(await creds.lookup('127.0.0.5'), undefined);
    assert.equal(await creds.lookup('localhost'), undefined, 'the port is part of the host');
    assert.equal(await creds.lookup('127.0.0.6'), undefined);
  });

  it('a missing or unreadable config is anonymous', async () => {
    assert.equal(await new DockerCredentials({ DOCKER_CONFIG: join(dir, 'nowhere') }).lookup('localhost'), undefined);
    const cfg = await mkdtemp(join(dir, 'cfg-'));
    await mkdir(join(cfg, 'config.json'));
    assert.equal(await new DockerCredentials({ DOCKER_CONFIG: cfg }).lookup('localhost'), undefined);
  });

  it('a malformed config is one error naming the file, without its content', async () => {
    const secret = 'top-secret-pw';
    const cases: [unknown, RegExp][] = [
      [`{"auths": {"localhost": {"auth": "${b64(`u:${secret}`)}"}, ${secret}`, /config\.json: it is not valid JSON/],
      [[secret], /not a JSON object/],
      [{ auths: { 'localhost': secret } }, /'auths' is not an object of objects/],
      [{ auths: { 'localhost': { auth: b64(secret) } } }, /'auth' of the entry for localhost is not base64 of user:password/],
      [{ auths: { 'localhost': { username: 'u', password: 42 } } }, /'password' of the entry for localhost is not a string/],
      [{ credHelpers: { 'localhost': 7 } }, /'credHelpers'/],
      [{ credsStore: 'bad name' }, /'bad name' is not a credential helper name/],
    ];
    for (const [config, message] of cases) {
      const creds = await withConfig(config);
      await rejectsClearly(creds.lookup('localhost'), message, [secret, b64(`u:${secret}`)]);
    }
  });

  it('runs credHelpers[host] with the host on stdin, once per host', async () => {
    const creds = await withConfig({ credHelpers: { 'localhost:5000': 'test', 'https://127.0.0.7': 'test', '127.0.0.8': 'test' }, auths: { 'localhost:5000': { auth: b64('file:pw') } } });
    assert.deepEqual(await creds.lookup('localhost:5000'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await creds.lookup('LOCALHOST:5000'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await creds.lookup('127.0.0.7'), { identityToken: 'refresh-me' }, 'Username <token> means an identity token');
    assert.equal(await creds.lookup('127.0.0.8'), undefined, 'an empty identity token is anonymous');
    assert.deepEqual(await helperCalls(), ['localhost:5000', '127.0.0.7', '127.0.0.8']);
  });

  it('runs credsStore for every other host; "credentials not found" is anonymous', async () => {
    const creds = await withConfig({ credsStore: 'test', credHelpers: { '127.0.0.6': 'missing' }, auths: { '127.0.0.11': {} } });
    assert.deepEqual(await creds.lookup('localhost:5000'), { username: 'helper-user', password: 'helper-secret' });
    assert.equal(await creds.lookup('127.0.0.11'), undefined);
    assert.deepEqual(await helperCalls(), ['localhost:5000', '127.0.0.11']);
    await rejectsClearly(creds.lookup('127.0.0.6'), /docker-credential-missing, named in .*config\.json, is not on PATH/, []);
  });

  it('a failing or garbled helper is an error that does not quote its output', async () => {
    const creds = await withConfig({ credsStore: 'test' });
    await rejectsClearly(creds.lookup('127.0.0.9'), /^credential helper docker-credential-test exited with 3 when asked for 127\.0\.0\.9$/, ['helper-secret']);
    await rejectsClearly(creds.lookup('127.0.0.10'), /docker-credential-test gave an unreadable answer for 127\.0\.0\.10/, ['helper-secret']);
  });
});
