/**
 * rmi and load where docker's golden cases do not reach: an id with two tags in one repository
 * (moby's isSingleReference), an id whose records a child holds (all or nothing), a reference in
 * docker's long spelling, and a load that fails on its second image (nothing stays).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg } from '../support/ctrimg.js';
import { pushFixture } from '../support/docker-golden.js';
import { buildImage, publishImage, tarFromEntries, type BuiltImage, type PublishedImage } from '../support/oci-layout.js';
import { snapshotStore } from '../support/store-snapshot.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

describe('rmi and load: the cases docker left out', function () {
  this.timeout(180_000);
  let registry: RunningRegistry;
  let work: string;
  let base: BuiltImage;
  let child: PublishedImage;
  let other: PublishedImage;

  const store = async () => {
    const root = await mkdtemp(join(work, 'store-'));
    const r = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'loop', '-Location', `http://${registry.host}`, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    return root;
  };
  const ok = async (root: string, ...args: string[]) => {
    const r = await ctrimg(root, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    registry = await startRegistry();
    work = await mkdtemp(join(tmpdir(), 'ctrimg-rmi-load-'));
    const layer = await tarFromEntries([{ name: 'base.txt', content: 'base' }]);
    // One image under three references.
    base = buildImage({ repo: 'x/base', tag: '1', layers: [{ tar: layer }] });
    await pushFixture(registry.host, work, 'base', base, ['x/base:1', 'x/base:2', 'x/mirror:1']);
    child = await publishImage(registry.host, { repo: 'x/child', tag: '1', layers: [{ tar: layer }, { tar: await tarFromEntries([{ name: 'child.txt', content: 'child' }]) }] });
    other = await publishImage(registry.host, { repo: 'x/other', tag: '1', layers: [{ tar: await tarFromEntries([{ name: 'other.txt', content: 'other' }]) }] });
  });
  after(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses an id with two tags in one repository without -f, as docker does, and removes all of it with -f', async () => {
    const root = await store();
    await ok(root, 'pull', `${registry.host}/x/base:1`);
    await ok(root, 'pull', `${registry.host}/x/base:2`);
    const before = await snapshotStore(root);
    const refused = await ctrimg(root, ['rmi', base.configDigest.slice(7, 19)]);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /\(must be forced\) - image is referenced in multiple repositories .*\[IMAGE_REFERENCED\]/);
    assert.deepEqual(await snapshotStore(root), before);
    const forced = await ok(root, 'rmi', '-f', base.configDigest.slice(7, 19));
    assert.deepEqual(forced.stdout.split('\n').slice(0, 4), [
      `Untagged: ${registry.host}/x/base:1`,
      `Untagged: ${registry.host}/x/base:2`,
      `Untagged: ${registry.host}/x/base@${base.manifestDigest}`,
      `Deleted: ${base.configDigest}`,
    ]);
    assert.equal((await ok(root, 'images', '-aq')).stdout, '');
  });

  it('removes nothing of an id one of whose records a child holds, even with -f', async () => {
    const root = await store();
    for (const ref of ['x/base:1', 'x/mirror:1', 'x/child:1']) await ok(root, 'pull', `${registry.host}/${ref}`);
    const before = await snapshotStore(root);
    const refused = await ctrimg(root, ['rmi', '-f', base.configDigest.slice(7, 19)]);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /\(cannot be forced\) - image has dependent child images/);
    assert.deepEqual(await snapshotStore(root), before);
    assert.equal((await ok(root, 'images', '--format', '{{.Repository}}')).stdout.split('\n').filter(Boolean).length, 3);
    assert.ok(child);
  });

  it("takes a reference in docker's long spelling for the row it names, untagging only that", async () => {
    const root = await store();
    await ok(root, 'pull', `${registry.host}/x/base:1`);
    await ok(root, 'pull', `${registry.host}/x/base:2`);
    // The same reference, its tag given by default: latest is not there, so nothing is found.
    assert.equal((await ctrimg(root, ['rmi', `${registry.host}/x/base`])).code, 3);
    const r = await ok(root, 'rmi', `${registry.host}/x/base:1`);
    assert.equal(r.stdout, `Untagged: ${registry.host}/x/base:1\n`);
    assert.equal((await ok(root, 'images', '--format', '{{.Tag}}')).stdout, '2\n');
  });

  it('loads all of an archive or nothing: a corrupt second image takes back the first', async () => {
    const saved = await store();
    await ok(saved, 'pull', `${registry.host}/x/base:1`);
    await ok(saved, 'pull', `${registry.host}/x/other:1`);
    const archive = join(work, 'two.tar');
    await ok(saved, 'save', '-o', archive, `${registry.host}/x/base:1`, `${registry.host}/x/other:1`);
    // One byte of the second image's layer flipped: the tar stays whole, the layer's digest does not.
    const bytes = await readFile(archive);
    const at = bytes.indexOf(Buffer.from('other'));
    assert.ok(at > 0);
    bytes[at] = 'O'.charCodeAt(0);
    await writeFile(archive, bytes);

    const root = await store();
    const before = await snapshotStore(root);
    const r = await ctrimg(root, ['load', '-i', archive]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Removing the 1 image\(s\) this load installed before it failed\nload: layer .* does not match its digest .*\[DIGEST_MISMATCH\]\n$/);
    assert.deepEqual(await snapshotStore(root), before);
    assert.ok(other);
  });
});
