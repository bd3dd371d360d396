/**
 * Removals share their lease, so two of them can select the same image or container before
 * either deletes it. Two contexts on one store play the two commands, in the order that
 * races: both select, one removes, then the other; exactly one may report the removal.
 */
import assert from 'node:assert/strict';
import { rm, stat } from 'node:fs/promises';
import { CtrimgError } from '../../../src/errors.js';
import { getContainers, removeContainers } from '../../../src/ops/containers.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { selectByQuery } from '../../../src/ops/images.js';
import { removeImages } from '../../../src/ops/remove.js';
import { ctrimg } from '../../support/ctrimg.js';
import { fixtureRegistry, installedStore, quietContext } from '../../support/stores.js';

describe('two removals of one image or container at once', function () {
  this.timeout(60_000);
  const fixtures = fixtureRegistry();
  let root: string;
  let first: OpsContext;
  let second: OpsContext;

  beforeEach(async () => {
    root = await installedStore('ctrimg-remove-', fixtures.fx.child.reference);
    [first, second] = [await quietContext(root), await quietContext(root)];
  });
  afterEach(async () => {
    await first?.close();
    await second?.close();
    await rm(root, { recursive: true, force: true });
  });

  const notFoundError = (code: string) => (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.exitCode, 3);
    assert.equal(err.code, code);
    assert.match(err.message, /removed meanwhile by another command/);
    return true;
  };

  it('removes an image once: the second removal says it is gone (exit 3) and sweeps nothing', async () => {
    const a = selectByQuery(first, { names: ['WebApp'] });
    const b = selectByQuery(second, { names: ['WebApp'] });
    const done = await removeImages(first, a);
    assert.deepEqual(done.removed.map((i) => i.name), ['WebApp']);
    assert.ok(done.swept.layers > 0);
    await assert.rejects(removeImages(second, b), notFoundError('IMAGE_GONE'));
    assert.deepEqual(second.store.images.all().map((i) => i.name), ['NanoServer']);
  });

  it('of several selected images, removes those still there and names the one already gone', async () => {
    const both = selectByQuery(second, { names: ['*'] });
    await removeImages(first, selectByQuery(first, { names: ['WebApp'] }));
    const done = await removeImages(second, both);
    assert.deepEqual(done.removed.map((i) => i.name), ['NanoServer']);
    assert.deepEqual(done.gone.map((i) => i.name), ['WebApp']);
    assert.deepEqual(second.store.images.all(), []);
  });

  it('removes a container once, and leaves its files to the removal that deleted its record', async () => {
    const made = await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web1']);
    assert.equal(made.code, 0, made.stderr);
    const a = getContainers(first, ['web1']);
    const b = getContainers(second, ['web1']);
    const path = first.containerPath(a[0]!.container.cid);
    const done = await removeContainers(first, a);
    assert.deepEqual(done.removed.map((v) => v.container.name), ['web1']);
    await assert.rejects(stat(path), { code: 'ENOENT' });
    const late = await removeContainers(second, b);
    assert.deepEqual(late.removed, []);
    assert.deepEqual(late.gone.map((v) => v.container.name), ['web1']);
  });

  it('a stale container selection whose id SQLite gave to a new container removes nothing of the new one', async () => {
    for (const name of ['web1', 'web2']) assert.equal((await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', name])).code, 0);
    const stale = getContainers(second, ['web2']);
    await removeContainers(first, getContainers(first, ['web2']));
    assert.equal((await ctrimg(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web3'])).code, 0);
    const [web3] = getContainers(first, ['web3']);
    assert.equal(web3!.container.id, stale[0]!.container.id, 'the test needs the id reused');
    const late = await removeContainers(second, stale);
    assert.deepEqual(late.gone.map((v) => v.container.name), ['web2']);
    assert.deepEqual(first.store.containers.list().map((c) => c.name), ['web1', 'web3']);
    assert.ok((await stat(web3!.path)).isDirectory());
  });

  it('a stale image selection whose id SQLite gave to a newly installed image removes nothing of the new one', async () => {
    const stale = selectByQuery(second, { names: ['WebApp'] });
    await removeImages(first, selectByQuery(first, { names: ['WebApp'] }));
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', fixtures.fx.multi.reference, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    const reused = first.store.images.byId(stale[0]!.id);
    assert.equal(reused?.manifestDigest, fixtures.fx.multi.linux.manifestDigest, 'the test needs the id reused');
    await assert.rejects(removeImages(second, stale), notFoundError('IMAGE_GONE'));
    assert.deepEqual(first.store.images.all().map((i) => i.repository.replace(/^[^/]*\//, '')).sort(), ['samples/multi', 'samples/nanoserver']);
  });

  it('two Remove-ContainerImage commands at once: exactly one prints Removed, the other exits 3', async () => {
    const results = await Promise.all([1, 2].map(() => ctrimg(root, ['Remove-ContainerImage', '-Name', 'WebApp', '-Force'])));
    const removed = results.filter((r) => r.code === 0);
    assert.equal(removed.length, 1, results.map((r) => `${r.code}: ${r.stderr}`).join('\n'));
    assert.match(removed[0]!.stderr, /Removed image WebApp 1\.2\.0\.0/);
    const other = results.find((r) => r.code !== 0)!;
    assert.equal(other.code, 3, other.stderr);
    assert.doesNotMatch(other.stderr, /Removed image/);
  });
});
