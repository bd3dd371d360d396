/**
 * Nothing secret, nothing raw, through the real executable: credentials given in -Location,
 * -Mirror, -Reference or a query string, or echoed back by a registry in an error body, appear
 * in no output and in no file under the store root; registry-supplied annotations reach the
 * terminal escaped and JSON exactly; registry-side faults exit 1, not 2; and the messages for
 * an unopenable database, a malformed URL and an invalid base.name say which path, parameter or
 * annotation.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBasicAuthRegistry, type BasicAuthRegistry } from '../support/auth.js';
import { ctrimg, type CliResult } from '../support/ctrimg.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const USER = 'alice';
const PASSWORD = 'Sup3r-s3cret-pw';
const QUERY_TOKEN = 'q-token-0f1e2d3c';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const SECRETS = [PASSWORD, b64(`${USER}:${PASSWORD}`), QUERY_TOKEN];

/** Controls a terminal acts on; '\n' only ends lines of ours (tables are checked row by row). */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = {
  'org.opencontainers.image.title': 'Evil\x1b[2J',
  'org.opencontainers.image.description': 'desc\nFake    9.9.9 local Injected\x1b]0;pwned\x07 \u202eexe.txt\x9b31m',
  'org.opencontainers.image.vendor': 'Ven\x1b[31mdor',
};

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('end to end: nothing secret, nothing raw', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-secrets-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('credentials', () => {
    let basic: BasicAuthRegistry;
    let proxy: FaultProxy;
    let root: string;
    let env: NodeJS.ProcessEnv;
    const results: CliResult[] = [];
    const run = async (args: string[]) => {
      const r = await ctrimg(root, args, { env });
      results.push(r);
      return r;
    };

    before(async () => {
      basic = await startBasicAuthRegistry(USER, PASSWORD);
      const tar = await tarFromEntries([{ name: 'app.txt', content: 'private' }]);
      await publishImage(basic.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar }] }, { creds: { username: USER, password: PASSWORD } });
      proxy = await startFaultProxy(basic.url);
      root = await mkdtemp(join(dir, 'root-'));
      const config = await mkdtemp(join(dir, 'docker-'));
      const host = new URL(proxy.url).host;
      await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [host]: { auth: b64(`${USER}:${PASSWORD}`) } } }));
      env = { DOCKER_CONFIG: config };
    });
    after(async () => {
      await proxy?.stop();
      await basic?.stop();
    });

    it('-Location, -Mirror and -Reference with user:password@ or a query are refused (2) without echoing them', async () => {
      const host = new URL(proxy.url).host;
      const withCreds = `http://${USER}:${PASSWORD}@${host}/?token=${QUERY_TOKEN}`;
      // Every run first, then the checks: the last test searches all of their output.
      const location = await run(['Register-ContainerImageSource', '-Name', 'leaky', '-Location', withCreds, '-Insecure', '-Debug']);
      const mirror = await run(['Register-ContainerImageSource', '-Name', 'leaky', '-Location', proxy.url, '-Insecure', '-Mirror', `http://${USER}:${PASSWORD}@${basic.host}`]);
      const query = await run(['Register-ContainerImageSource', '-Name', 'leaky', '-Location', `${proxy.url}/?token=${QUERY_TOKEN}`, '-Insecure']);
      const refs = [`${USER}:${PASSWORD}@${host}/samples/app:1.0`, `${host}/samples/app:1.0?token=${QUERY_TOKEN}`, `http://${USER}:${PASSWORD}@${host}/samples/app:1.0`];
      const installs: CliResult[] = [];
      for (const ref of refs) installs.push(await run(['Install-ContainerImage', '-Reference', ref, '-Insecure', '-Debug']));
      assert.equal(location.code, 2, location.stderr);
      assert.match(location.stderr, new RegExp(`^Register-ContainerImageSource: location 'http://${host}/' must not carry credentials .*docker login ${host}`));
      assert.equal(mirror.code, 2, mirror.stderr);
      assert.match(mirror.stderr, /mirror 'http:\/\/127\.0\.0\.1:\d+' must not carry credentials \(user:password@\)/);
      assert.equal(query.code, 2, query.stderr);
      for (const r of installs) {
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^Install-ContainerImage: invalid image reference '.*': it must not carry credentials/);
      }
    });

    it("a password holding '/', '#', '?', '@' or '%40' is refused (2) without quoting any part of it", async () => {
      const host = new URL(proxy.url).host;
      // 'Zq7' starts every password: the old redaction printed 'http://user:Zq7' for 'Zq7#ss'.
      for (const password of ['Zq7/ss', 'Zq7#ss', 'Zq7?ss', 'Zq7@ss', 'Zq7%40ss']) {
        const location = await run(['Register-ContainerImageSource', '-Name', 'leaky', '-Location', `http://user:${password}@${host}`, '-Insecure', '-Debug']);
        const reference = await run(['Install-ContainerImage', '-Reference', `user:${password}@${host}/samples/app:1`, '-Debug']);
        assert.equal(location.code, 2, location.stderr);
        assert.match(location.stderr, new RegExp(`^Register-ContainerImageSource: location 'http://${host}' must not carry credentials .*docker login ${host}`));
        assert.equal(reference.code, 2, reference.stderr);
        assert.match(reference.stderr, new RegExp(`^Install-ContainerImage: invalid image reference '${host}/samples/app:1': it must not carry credentials`));
        for (const r of [location, reference]) assert.ok(!`${r.stdout}${r.stderr}`.includes('Zq7'), `${password} was shown:\n${r.stderr}`);
      }
    });

    it('a registry error body that echoes the Authorization header is cut to its message, credentials removed (1)', async () => {
      const reg = await run(['Register-ContainerImageSource', '-Name', 'private', '-Location', proxy.url, '-Insecure', '-Namespace', 'samples']);
      assert.equal(reg.code, 0, reg.stderr);
      // Blob requests carry Basic credentials up front, once the manifest request was challenged.
      const echo = (req: IncomingMessage) => {
        const auth = req.headers.authorization ?? '';
        const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8');
        return JSON.stringify({ errors: [{ code: 'DENIED', message: `denied; request had Authorization: ${auth}; user ${decoded}`, detail: { Authorization: auth } }] });
      };
      proxy.inject(/\/blobs\//, { kind: 'status', status: 403, body: echo });
      const r = await run(['Install-ContainerImage', '-Reference', `${new URL(proxy.url).host}/samples/app:1.0`, '-Debug']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^Install-ContainerImage: access denied to .*denied; request had Authorization: \*\*\*/m);
      assert.ok(proxy.requests.some((q) => q.fault === 'status'), 'the echoing answer was sent');
    });

    it('no secret in any stdout or stderr, nor in the database or any file under the root', async () => {
      assert.ok(results.length >= 7);
      for (const r of results) {
        for (const s of SECRETS) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `'${s}' was printed:\n${r.stdout}\n${r.stderr}`);
      }
      const files = await filesUnder(root);
      assert.ok(files.some((f) => f.endsWith('ctrimg.db')), files.join('\n'));
      for (const f of files) {
        const bytes = await readFile(f);
        for (const s of SECRETS) assert.ok(!bytes.includes(s), `'${s}' is stored in ${f}`);
      }
    });
  });

  describe('registry text and registry faults', () => {
    let registry: RunningRegistry;
    let proxy: FaultProxy;
    let root: string;

    before(async () => {
      registry = await startRegistry();
      const tar = await tarFromEntries([{ name: 'a.txt', content: 'a' }]);
      await publishImage(registry.host, { repo: 'samples/evil', tag: '1.0', layers: [{ tar }], annotations: HOSTILE });
      await publishImage(registry.host, { repo: 'samples/badbase', tag: '1.0', layers: [{ tar }], annotations: { 'org.opencontainers.image.base.name': 'NOT A REF!!' } });
      proxy = await startFaultProxy(registry.url);
      root = await mkdtemp(join(dir, 'root-'));
      const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', proxy.url, '-Insecure', '-Namespace', 'samples']);
      assert.equal(reg.code, 0, reg.stderr);
    });
    after(async () => {
      await proxy?.stop();
      await registry?.stop();
    });

    /** A table with `rows` rows and nothing a terminal would act on. */
    function assertSafeTable(r: CliResult, rows: number): void {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, RAW_CONTROL);
      assert.doesNotMatch(r.stderr, RAW_CONTROL);
      assert.equal(r.stdout.trim().split('\n').length, 2 + rows, r.stdout);
    }

    it('Find-ContainerImage shows annotations escaped in its table and exactly in JSON', async () => {
      const table = await ctrimg(root, ['Find-ContainerImage']);
      assertSafeTable(table, 2);
      assert.match(table.stdout, /Evil\\x1b\[2J +1\.0\.0\.0 local +desc\\nFake {4}9\.9\.9 local Injected\\x1b\]0;pwned\\x07 \\u202eexe\.txt\\x9b31m/);
      const json = await ctrimg(root, ['Find-ContainerImage', '-OutputFormat', 'Json']);
      assert.doesNotMatch(json.stdout, RAW_CONTROL);
      const evil = (JSON.parse(json.stdout) as { Name: string; Description: string }[]).find((f) => f.Name.startsWith('Evil'));
      assert.equal(evil?.Name, HOSTILE['org.opencontainers.image.title']);
      assert.equal(evil?.Description, HOSTILE['org.opencontainers.image.description']);
    });

    it('Install- and Get-ContainerImage show the title and vendor escaped, and JSON keeps them', async () => {
      const install = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${new URL(proxy.url).host}/samples/evil:1.0`]);
      assertSafeTable(install, 1);
      assert.match(install.stderr, /Installed Evil\\x1b\[2J 1\.0\.0\.0/);
      const table = await ctrimg(root, ['Get-ContainerImage']);
      assertSafeTable(table, 1);
      assert.match(table.stdout, /Evil\\x1b\[2J CN=Ven\\x1b\[31mdor 1\.0\.0\.0/);
      const json = await ctrimg(root, ['Get-ContainerImage', '-OutputFormat', 'Json']);
      const [image] = JSON.parse(json.stdout) as { Name: string; Publisher: string }[];
      assert.equal(image?.Name, HOSTILE['org.opencontainers.image.title']);
      assert.equal(image?.Publisher, `CN=${HOSTILE['org.opencontainers.image.vendor']}`);
    });

    it('a catalog that lists an invalid repository name is a registry fault (1), named and escaped', async () => {
      proxy.inject(/\/v2\/_catalog/, { kind: 'status', status: 200, body: JSON.stringify({ repositories: ['samples/Bad\x1b[2J Name'] }) });
      const r = await ctrimg(root, ['Find-ContainerImage']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `Find-ContainerImage: ${proxy.url} lists an invalid repository name 'samples/Bad\\x1b[2J Name' in its catalog (the registry's administrator must remove or rename it) [REGISTRY_ERROR]\n`);
    });

    it('an invalid org.opencontainers.image.base.name annotation is a failure of the image (1), naming the annotation', async () => {
      const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${new URL(proxy.url).host}/samples/badbase:1.0`, '-Quiet']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^Install-ContainerImage: the org\.opencontainers\.image\.base\.name annotation of 127\.0\.0\.1:\d+\/samples\/badbase:1\.0 is not a valid image reference \('NOT A REF!!'/);
    });
  });

  describe('messages name the path, parameter or cmdlet', () => {
    it('a database that cannot be opened: its path and CTRIMG_ROOT (1)', async () => {
      const root = await mkdtemp(join(dir, 'root-'));
      await mkdir(join(root, 'ctrimg.db'));
      const r = await ctrimg(root, ['Get-ContainerImage']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `Get-ContainerImage: cannot open the store database ${join(root, 'ctrimg.db')}: unable to open database file (set CTRIMG_ROOT to a writable directory) [STORE_UNAVAILABLE]\n`,
      );
    });

    it('a -Location that is not a URL: the parameter and its value (2)', async () => {
      const root = await mkdtemp(join(dir, 'root-'));
      const r = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'x', '-Location', 'ht!tp://x']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^Register-ContainerImageSource: location 'ht!tp:\/\/x' is not a valid URL/);
    });
  });
});
