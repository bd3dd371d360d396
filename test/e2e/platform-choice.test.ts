/**
 * Install-ContainerImage choosing from a real multi-platform index on a loopback registry, for
 * Windows hosts stood in for with CTRIMG_HOST_PLATFORM: ServerCore-style entries (win32k),
 * revisions that compare differently as text and as numbers, the stable ABI from 20348 on, a
 * linux entry; -WhatIf says which entry and why; a single manifest for a newer build is refused
 * before any layer is fetched. Layers are plain trees (the dir importer): only the choice is
 * under test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, type CliResult, type ImageJson } from '../support/ctrimg.js';
import { hexOf, publishImage, publishIndex, tarFromEntries, type PublishedImage, type PublishedIndex } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';


describe('end to end: choosing an index entry for a Windows host (CTRIMG_HOST_PLATFORM)', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let multi: PublishedIndex;
  let future: PublishedImage;
  const roots: string[] = [];

  const layer = (name: string) => tarFromEntries([{ name: `${name}.txt`, content: `${name}\n` }]);

  const image = async (name: string, platform: { os: string; osVersion?: string; osFeatures?: string[] }) => ({
    repo: 'x',
    tag: 'x',
    ...platform,
    layers: [{ tar: await layer(name) }],
  });

  before(async () => {
    registry = await startRegistry();
    multi = await publishIndex(registry.host, {
      repo: 'windows/servercore',
      tag: 'multi',
      images: [
        await image('linux', { os: 'linux' }),
        await image('ltsc2019-1039', { os: 'windows', osVersion: '10.0.17763.1039' }),
        await image('ltsc2019-973', { os: 'windows', osVersion: '10.0.17763.973', osFeatures: ['win32k'] }),
        await image('ltsc2022', { os: 'windows', osVersion: '10.0.20348.2000', osFeatures: ['win32k'] }),
        await image('ltsc2025', { os: 'windows', osVersion: '10.0.26100.100' }),
      ],
    });
    future = await publishImage(registry.host, { repo: 'windows/future', tag: '1', os: 'windows', osVersion: '10.0.26100.100', layers: [{ tar: await layer('future') }] });
  });

  after(async () => {
    await registry?.stop();
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });

  /** Installs into a fresh store as the given host would. */
  async function install(host: string, reference: string, ...args: string[]): Promise<CliResult & { root: string }> {
    const root = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-platform-'));
    roots.push(root);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', reference, '-Insecure', '-Importer', 'dir', ...args, '-OutputFormat', 'Json'], {
      env: { CTRIMG_HOST_PLATFORM: host },
    });
    return { ...r, root };
  }

  async function installed(host: string, ...args: string[]): Promise<ImageJson> {
    const r = await install(host, multi.reference, ...args);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as ImageJson[])[0]!;
  }

  const entry = (n: number) => multi.images[n - 1]!.manifestDigest;

  const hosts: [string, number][] = [
    // os.version compared as text: .973 ranks above .1039; win32k is dropped before matching.
    ['windows/amd64:10.0.17763.5830', 3],
    // From 20348 on, the host runs builds from 20348 up to its own.
    ['windows/amd64:10.0.22621.3000', 4],
    ['windows/amd64:10.0.26100.2894', 5],
    ['linux/amd64', 1],
  ];
  for (const [host, n] of hosts) {
    it(`a ${host} host installs entry ${n}`, async () => {
      const image = await installed(host);
      assert.equal(image.Digest, entry(n));
    });
  }

  it('-Platform windows/amd64 takes no build newer than the host, and prefers os.features as platforms.Only does', async () => {
    const image = await installed('windows/amd64:10.0.17763.5830', '-Platform', 'windows/amd64');
    assert.equal(image.Digest, entry(3));
    assert.equal(image.Platform, 'windows/amd64:10.0.17763.973');
  });

  it('refuses a host none of the entries runs, naming it with its revision and what the index offers', async () => {
    const r = await install('windows/amd64:10.0.19041.1415', multi.reference);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no windows\/amd64:10\.0\.19041\.1415 variant of .*windows\/servercore:multi; it offers linux\/amd64, windows\/amd64:10\.0\.17763\.1039, windows\/amd64:10\.0\.17763\.973\+win32k, /);
    assert.match(r.stderr, /"Code":"PLATFORM_NOT_FOUND"/);
  });

  it('-WhatIf says which entry it would take, and why', async () => {
    const r = await install('windows/amd64:10.0.17763.5830', multi.reference, '-WhatIf');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout + r.stderr,
      /What if: installing .* \(1 layers\), windows\/amd64:10\.0\.17763\.973\+win32k \(entry 3 of 5: the host's build 17763; the highest os\.version of 2 matches, compared as text\)/,
    );
    const lts = await install('windows/amd64:10.0.22621.3000', multi.reference, '-WhatIf');
    assert.match(lts.stdout + lts.stderr, /\(entry 4 of 5: build 20348, which a 22621 host runs \(stable ABI\); the only match\)/);
  });

  it('refuses a single manifest for a newer build before fetching any layer', async () => {
    const r = await install('windows/amd64:10.0.17763.5830', future.reference);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /windows\/future:1 is built for windows\/amd64:10\.0\.26100\.100 only, not for windows\/amd64:10\.0\.17763\.5830/);
    assert.match(r.stderr, /"Hint":"install a tag or digest built for this platform","Code":"PLATFORM_NOT_FOUND"/);
    assert.ok(!existsSync(join(r.root, 'blobs', 'sha256', hexOf(future.layerDigests[0]!))), 'no layer blob was fetched');
    const older = await install('windows/amd64:10.0.26100.2894', future.reference);
    assert.equal(older.code, 0, older.stderr);
  });

  it("refuses an index entry labelled for the host's build whose config says a newer one, as moby checks every config", async () => {
    const mislabelled = await publishIndex(registry.host, {
      repo: 'windows/mislabelled',
      tag: '1',
      images: [{ ...(await image('mislabelled', { os: 'windows', osVersion: '10.0.17763.1' })), configOverrides: { 'os.version': '10.0.26100.1' } }],
    });
    const r = await install('windows/amd64:10.0.17763.5830', mislabelled.reference);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /windows\/mislabelled:1 is built for windows\/amd64:10\.0\.26100\.1 only, not for windows\/amd64:10\.0\.17763\.5830/);
  });

  it('refuses a malformed CTRIMG_HOST_PLATFORM as a usage error naming it', async () => {
    const r = await install('windows/amd64', multi.reference);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CTRIMG_HOST_PLATFORM 'windows\/amd64' is a Windows host without its build/);
  });
});
