/**
 * Parallel layer downloads and progress, against a real registry: -MaxConcurrentDownloads 1 and 4
 * both install a five-layer image, 0 is a usage error; not on a terminal stderr holds one start
 * and one end line per image and stdout only the JSON; on a terminal every layer gets a line
 * that ends in `Pull complete` or `Already exists`; -Quiet prints nothing on stderr.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shortLayerId } from '../../src/format/progress.js';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { runInProcess } from '../support/in-process.js';
import { corruptRegistryBlob } from '../support/fixtures.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore } from '../support/store-snapshot.js';

/** Runs the real cmdlets in this process with stderr posing as a terminal. */
const onTerminal = (root: string, argv: string[]) => runInProcess(root, argv, { terminal: true });

describe('end to end: parallel downloads and progress', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let img: PublishedImage;
  let sibling: PublishedImage;
  const roots: string[] = [];
  const newRoot = async () => {
    const r = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-progress-'));
    roots.push(r);
    return r;
  };

  before(async () => {
    registry = await startRegistry();
    const tars = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => tarFromEntries([{ name: `layer${i}.bin`, content: randomBytes(200_000 + i * 50_000) }])),
    );
    img = await publishImage(registry.host, { repo: 'samples/layered', tag: '1.0', layers: tars.map((tar) => ({ tar })) });
    const extra = await tarFromEntries([{ name: 'sibling.txt', content: 'only in the sibling\n' }]);
    sibling = await publishImage(registry.host, { repo: 'samples/sibling', tag: '1.0', layers: [...tars.slice(0, 3), extra].map((tar) => ({ tar })) });
  });
  after(async () => {
    await registry?.stop();
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });

  for (const max of ['1', '4']) {
    it(`installs five layers with -MaxConcurrentDownloads ${max}: one start and one end line on stderr, only JSON on stdout`, async () => {
      const root = await newRoot();
      const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure', '-MaxConcurrentDownloads', max, '-OutputFormat', 'Json']);
      assert.equal(r.code, 0, r.stderr);
      const [installed] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
      assert.equal(installed!.Name, 'layered');
      assert.equal(installed!.Digest, img.manifestDigest);
      assert.deepEqual(r.stderr.trimEnd().split('\n'), [`Installing layered 1.0.0.0 from ${img.reference}`, 'Installed layered 1.0.0.0: 5 layers, 5 new']);
      assert.doesNotMatch(r.stderr, /\x1b/);
      const listed = await ctrimgJson(root, ['Get-ContainerImage']);
      assert.deepEqual(listed.map((i) => i.Name), ['layered']);
    });
  }

  for (const max of ['0', '33', '10000']) {
    it(`refuses -MaxConcurrentDownloads ${max} as a usage error naming the range, installing nothing`, async () => {
      const root = await newRoot();
      const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure', '-MaxConcurrentDownloads', max]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `Install-ContainerImage: -MaxConcurrentDownloads must be a whole number from 1 to 32, not ${max} [USAGE]\n`);
      assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
    });
  }

  it('a layer failing its digest cancels the other downloads and leaves no blob or layer of the attempt behind', async () => {
    const tars = await Promise.all([0, 1, 2, 3].map((i) => tarFromEntries([{ name: `bad${i}.bin`, content: randomBytes(150_000) }])));
    const bad = await publishImage(registry.host, { repo: 'samples/broken', tag: '1.0', layers: tars.map((tar) => ({ tar })) });
    await corruptRegistryBlob(registry.dir, bad.layerDigests[1]!);
    const root = await newRoot();
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', bad.reference, '-Insecure', '-MaxConcurrentDownloads', '4']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^Install-ContainerImage: layer ${bad.layerDigests[1]}`, 'm'));
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
    // Partial downloads cut short stay in the ingest area for the next attempt to resume.
    assert.deepEqual((await snapshotStore(root)).files.filter((f) => /^(blobs\/sha256|layers)\/./.test(f)), []);
  });

  it('with -Quiet prints nothing on stderr', async () => {
    const root = await newRoot();
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure', '-Quiet', '-OutputFormat', 'Json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 1);
    const tty = await onTerminal(root, ['Install-ContainerImage', '-Reference', sibling.reference, '-Insecure', '-Quiet', '-OutputFormat', 'Json']);
    assert.equal(tty.code, 0, tty.stderr);
    assert.equal(tty.stderr, '');
  });

  it('on a terminal draws a line per layer on stderr that ends in Pull complete or Already exists, and keeps stdout to the JSON', async () => {
    const root = await newRoot();
    const first = await onTerminal(root, ['Install-ContainerImage', '-Reference', img.reference, '-Insecure', '-OutputFormat', 'Json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((JSON.parse(first.stdout) as unknown[]).length, 1);
    assert.doesNotMatch(first.stdout, /Downloading|Pull complete|\x1b/);
    assert.match(first.stderr, /^Installing layered 1\.0\.0\.0 from /);
    assert.match(first.stderr, /\x1b\[\d+A/);
    for (const digest of img.layerDigests) {
      const id = shortLayerId(digest);
      assert.match(first.stderr, new RegExp(`\x1b\\[2K${id}: Downloading  [\\d.]+k?B/[\\d.]+kB`));
      assert.match(first.stderr, new RegExp(`\x1b\\[2K${id}: Pull complete\n`));
    }
    assert.match(first.stderr, /\nInstalled layered 1\.0\.0\.0: 5 layers, 5 new\n$/);

    const second = await onTerminal(root, ['Install-ContainerImage', '-Reference', sibling.reference, '-Insecure']);
    assert.equal(second.code, 0, second.stderr);
    // The last block drawn before `Installed` shows every layer of the sibling in its final state.
    const last = second.stderr.slice(second.stderr.lastIndexOf('\x1b[4A'), second.stderr.indexOf('Installed sibling 1.0.0.0'));
    assert.deepEqual(last.replace('\x1b[4A', '').split('\n').filter(Boolean), [
      ...sibling.layerDigests.slice(0, 3).map((d) => `\x1b[2K${shortLayerId(d)}: Already exists`),
      `\x1b[2K${shortLayerId(sibling.layerDigests[3]!)}: Pull complete`,
    ]);
    assert.match(second.stderr, /Installed sibling 1\.0\.0\.0: 4 layers, 1 new\n$/);
  });
});
