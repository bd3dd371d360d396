/**
 * Bad input through the real executable: every case gets one clear stderr line, the exit code
 * of DESIGN.md, and leaves an already populated store exactly as it was (files and rows).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBasicAuthRegistry, startTokenAuthRegistry, type TokenAuthRegistry } from '../support/auth.js';
import { ctrimg, ctrimgJson, type CliResult } from '../support/ctrimg.js';
import { corruptRegistryBlob, publishFixtures } from '../support/fixtures.js';
import { gzip, publishImage, tarFromEntries } from '../support/oci-layout.js';
import { freePort, startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore, type StoreSnapshot } from '../support/store-snapshot.js';

describe('end to end: bad input leaves the store as it was', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let root: string;
  let outside: string;
  let initial: StoreSnapshot;

  before(async () => {
    registry = await startRegistry();
    await publishFixtures(registry.host);
    const x = await tarFromEntries([{ name: 'x.txt', content: 'x'.repeat(5000) }]);
    const gz = gzip(x);
    await publishImage(registry.host, {
      repo: 'bad/corruptgzip', tag: '1.0',
      layers: [{ tar: x, rawBlob: Buffer.concat([gz.subarray(0, 20), Buffer.alloc(40, 0xaa), gz.subarray(60)]) }],
    });
    await publishImage(registry.host, {
      repo: 'bad/diffid', tag: '1.0', layers: [{ tar: x }],
      configOverrides: { rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] } },
    });
    outside = await mkdtemp(join(tmpdir(), 'ctrimg-outside-'));
    await publishImage(registry.host, {
      repo: 'bad/evil', tag: '1.0',
      layers: [{ tar: await tarFromEntries([
        { name: 'ok.txt', content: 'fine' },
        { name: 'ln', type: 'symlink', linkname: outside },
        { name: 'ln/pwned', content: 'escaped' },
      ]) }],
    });
    await publishImage(registry.host, { repo: 'bad/dotdot', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: '../../escape.txt', content: 'x' }]) }] });
    await publishImage(registry.host, {
      repo: 'bad/loop', tag: '1.0',
      layers: [{ tar: await tarFromEntries([
        { name: 'a', type: 'symlink', linkname: 'b' },
        { name: 'b', type: 'symlink', linkname: 'a' },
        { name: 'a/x', content: 'x' },
      ]) }],
    });
    const corrupt = await publishImage(registry.host, { repo: 'bad/blob', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'b.txt', content: 'b'.repeat(3000) }]) }] });
    await corruptRegistryBlob(registry.dir, corrupt.layerDigests[0]!);
    const manifest = await publishImage(registry.host, { repo: 'bad/manifest', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'm.txt', content: 'm' }]) }] });
    await corruptRegistryBlob(registry.dir, manifest.manifestDigest);

    root = await mkdtemp(join(tmpdir(), 'ctrimg-bad-'));
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure', '-Namespace', 'samples']);
    assert.equal(reg.code, 0, reg.stderr);
    const inst = await ctrimg(root, ['Install-ContainerImage', '-Name', 'NanoServer']);
    assert.equal(inst.code, 0, inst.stderr);
    initial = await snapshotStore(root);
    assert.equal(initial.rows.images!.length, 1);
  });
  after(async () => {
    await registry?.stop();
    for (const d of [root, outside]) if (d) await rm(d, { recursive: true, force: true });
  });

  async function expectFailure(args: string[], code: number, message: RegExp, opts: { stdin?: string } = {}): Promise<CliResult> {
    // -Quiet drops progress lines, so what is left on stderr is the error alone.
    const r = await ctrimg(root, [...args, '-Quiet'], opts);
    assert.equal(r.code, code, `exit code of ${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '');
    assert.deepEqual(await snapshotStore(root), initial, 'the store is unchanged');
    return r;
  }
  const ref = (repo: string) => `${registry.host}/${repo}:1.0`;

  it('unknown image name or version: not found (3)', async () => {
    await expectFailure(['Install-ContainerImage', '-Name', 'NoSuchImage'], 3, /^Install-ContainerImage: no image named 'NoSuchImage'/);
    await expectFailure(['Install-ContainerImage', '-Name', 'NanoServer', '-RequiredVersion', '9.9'], 3, /version 9\.9\.0\.0/);
    await expectFailure(['Find-ContainerImage', '-Name', 'NoSuchImage'], 3, /no image matches 'NoSuchImage'/);
    await expectFailure(['Install-ContainerImage', '-Reference', `${registry.host}/samples/nope:1.0`, '-Insecure'], 3, /samples\/nope/);
    await expectFailure(['Install-ContainerImage', '-Reference', `${registry.host}/samples/nanoserver:9.9`, '-Insecure'], 3, /manifest unknown/);
  });

  it('unreachable URL and a server that is not a registry: failure (1)', async () => {
    const closed = await freePort();
    await expectFailure(['Install-ContainerImage', '-Reference', `127.0.0.1:${closed}/a/b:1`, '-Insecure'], 1, /cannot reach http:\/\/127\.0\.0\.1:\d+/);
    const web: Server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html>nope</html>'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      const port = (web.address() as { port: number }).port;
      await expectFailure(['Install-ContainerImage', '-Reference', `127.0.0.1:${port}/a/b:1`, '-Insecure'], 1, /is not a container registry/);
    } finally {
      web.close();
    }
  });

  it('plain http without -Insecure is refused before anything is sent', async () => {
    await expectFailure(['Register-ContainerImageSource', '-Name', 'x', '-Location', 'http://127.0.0.1:1'], 2, /plain http/);
  });

  it('a registry that wants credentials we do not have: failure (1) naming it', async () => {
    const basic = await startBasicAuthRegistry('alice', 's3cret');
    try {
      await expectFailure(['Install-ContainerImage', '-Reference', `${basic.host}/samples/app:1`, '-Insecure'], 1, /requires authentication/);
    } finally {
      await basic.stop();
    }
  });

  it('wrong digest, corrupt manifest, corrupt gzip, wrong diff id: failure (1) with the reason', async () => {
    await expectFailure(['Install-ContainerImage', '-Reference', ref('bad/blob'), '-Insecure'], 1, /content does not match its digest/);
    await expectFailure(['Install-ContainerImage', '-Reference', ref('bad/manifest'), '-Insecure'], 1, /digest|mismatch|invalid/i);
    await expectFailure(['Install-ContainerImage', '-Reference', ref('bad/corruptgzip'), '-Insecure'], 1, /not valid gzip/);
    await expectFailure(['Install-ContainerImage', '-Reference', ref('bad/diffid'), '-Insecure'], 1, /the config says sha256:0{64}/);
  });

  it('a path that cannot be placed (a symlink loop): refused naming the entry, as containerd refuses it', async () => {
    await expectFailure(['Install-ContainerImage', '-Reference', ref('bad/loop'), '-Insecure'], 1, /'a\/x' goes through more than \d+ symlinks.*\[UNSAFE_TAR\]/);
  });

  it('malicious tar paths: placed inside the root where containerd places them, nothing written outside', async () => {
    // A store of its own: these install, which the other cases here must not see.
    const own = await mkdtemp(join(tmpdir(), 'ctrimg-contained-'));
    try {
      for (const [repo, name] of [['bad/evil', 'evil'], ['bad/dotdot', 'dotdot']]) {
        const inst = await ctrimg(own, ['Install-ContainerImage', '-Reference', ref(repo!), '-Insecure', '-Quiet']);
        assert.equal(inst.code, 0, inst.stderr);
        const made = await ctrimg(own, ['New-Container', '-ContainerImageName', name!, '-Name', name!, '-Quiet']);
        assert.equal(made.code, 0, made.stderr);
      }
      assert.deepEqual(await readdir(outside), [], 'nothing written through the symlink to the outside directory');
      const trees = await readdir(join(own, 'containers'));
      const found = await Promise.all(trees.map((t) => readdir(join(own, 'containers', t), { recursive: true })));
      const all = found.flat().map(String);
      // containerd's RootPath: the absolute symlink target is taken inside the root, `..` stops at the root.
      assert.ok(all.includes(join(outside.slice(1), 'pwned')), `ln/pwned lands under the root: ${all.join(', ')}`);
      assert.ok(all.includes('escape.txt'), `../../escape.txt lands at the root: ${all.join(', ')}`);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('usage errors (2): contradictory versions, mixed -Name/-Reference, bad platform, unknown parameter', async () => {
    await expectFailure(['Find-ContainerImage', '-RequiredVersion', '1.0', '-MinimumVersion', '1.0'], 2, /cannot be combined/);
    await expectFailure(['Find-ContainerImage', '-AllVersions', '-RequiredVersion', '1.0'], 2, /-AllVersions cannot be combined/);
    await expectFailure(['Find-ContainerImage', '-MinimumVersion', '2.0', '-MaximumVersion', '1.0'], 2, /greater than/);
    await expectFailure(['Find-ContainerImage', '-RequiredVersion', 'banana'], 2, /-RequiredVersion: invalid version 'banana'/);
    await expectFailure(['Install-ContainerImage', '-Name', 'NanoServer', '-Reference', ref('samples/nanoserver')], 2, /-Name cannot be combined with -Reference/);
    await expectFailure(['Install-ContainerImage', '-Name', 'NanoServer', '-Platform', 'windows'], 2, /invalid platform/);
    await expectFailure(['Get-ContainerImage', '-Nmae', 'x'], 2, /-Name/);
    await expectFailure(['Remove-ContainerImage'], 2, /give -Name, or pipe/);
    await expectFailure(['Remove-ContainerImage'], 2, /not JSON/, { stdin: 'this is not json' });
  });

  it('containers and images that do not exist: not found (3)', async () => {
    await expectFailure(['New-Container', '-ContainerImageName', 'NoSuchImage', '-Name', 'c'], 3, /no installed image matches 'NoSuchImage'/);
    await expectFailure(['Remove-Container', '-Name', 'nobody'], 3, /no container matches 'nobody'/);
    await expectFailure(['Remove-ContainerImage', '-Name', 'NoSuchImage'], 3, /no installed image matches/);
  });

  it('Bearer auth from the challenge: an anonymous pull through a token server works', async () => {
    const t: TokenAuthRegistry = await startTokenAuthRegistry({ users: { bob: 'pw' }, anonymous: 'pull' });
    const tokenRoot = await mkdtemp(join(tmpdir(), 'ctrimg-token-'));
    try {
      const img = await publishImage(t.registry.host, { repo: 'pub/app', tag: '2.0', layers: [{ tar: await tarFromEntries([{ name: 'p.txt', content: 'p' }]) }] }, { creds: 'bob:pw' });
      const seen = t.requests.length;
      const [installed] = await ctrimgJson(tokenRoot, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure']);
      assert.equal(installed!.Digest, img.manifestDigest);
      const ours = t.requests.slice(seen);
      assert.ok(ours.length >= 1, 'a token was requested');
      assert.ok(ours.every((r) => !r.basic && r.scopes.includes('repository:pub/app:pull')));
    } finally {
      await t.stop();
      await rm(tokenRoot, { recursive: true, force: true });
    }
  });

  it('a wrong digest left nothing behind in the ingest area either', async () => {
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
  });

});
