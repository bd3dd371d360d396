/**
 * The commands of the store's model-based test (test/unit/ops/store-model.test.ts): each runs
 * one operation of src/ops on a real store, applies to the model (store-model.ts) what the
 * rules say it must do, checks what the operation returned or refused, then checks the whole
 * store against the model (verifyStore).
 *
 * A new command is a class with `check` (may it run in this model state), `run` (operate, update
 * the model, assert, verifyStore) and `toString` (how a counterexample prints it), and an
 * arbitrary for it in `storeCommands`. A layer the store makes itself (a commit's) gets a fresh
 * token and its facts (`model.layers.set(token, { diffId, blob, file })`, read from what the
 * operation returned) before verifyStore.
 */
import assert from 'node:assert/strict';
import { access, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { CtrimgError } from '../../src/errors.js';
import { parsePlatform } from '../../src/image/platform.js';
import { commitContainer } from '../../src/ops/commit.js';
import { getContainers, newContainers, removeContainers } from '../../src/ops/containers.js';
import type { OpsContext } from '../../src/ops/context.js';
import { getImages, selectByQuery } from '../../src/ops/images.js';
import { installImage } from '../../src/ops/install.js';
import { removalError, removeImages } from '../../src/ops/remove.js';
import { repositoryOf, type FamilyLayout, type ImageSpec } from './image-families.js';
import { hexOf, type Digest } from './oci-layout.js';
import type { ContainerState, Dependents, StoreModel } from './store-model.js';


export interface RealStore {
  ctx: OpsContext;
  root: string;
  layout: FamilyLayout;
}

type StoreCommand = fc.AsyncCommand<StoreModel, RealStore>;

const LINUX = { platform: parsePlatform('linux/amd64') };
const STATES: readonly ContainerState[] = ['Off', 'Running', 'Paused', 'Stopped'];

/** The model's layer tokens of a family image: its alphabet contents. */
const tokensOf = (spec: ImageSpec) => spec.layers.map((k) => `L${k}`);

class Install implements StoreCommand {
  constructor(readonly spec: ImageSpec) {}
  check = () => true;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    const built = await r.layout.image(this.spec);
    const repository = repositoryOf(this.spec);
    const before = m.installed(repository, built.manifestDigest);
    const known = m.expectedLayers();
    const got = await installImage(r.ctx, { by: 'path', path: r.layout.dir, name: { digest: built.manifestDigest }, repository }, LINUX);
    if (before) {
      assert.deepEqual(got.map((g) => [g.image.name, g.alreadyInstalled]), [[before.key, true]]);
    } else {
      m.install({ key: this.spec.key, repository, chain: tokensOf(this.spec), manifest: built.manifestDigest, config: built.configDigest });
      const fresh = m.chainIds(m.image(this.spec.key)!).filter((id) => !known.has(id)).length;
      assert.deepEqual(got.map((g) => [g.image.name, g.alreadyInstalled, g.newLayers]), [[this.spec.key, false, fresh]], 'installed, with the layers the store lacked');
    }
    await verifyStore(m, r);
  }
  toString = () => `install ${this.spec.key} [${this.spec.layers.join(',')}]`;
}

/**
 * New-Container from an installed image, picked by its place in install order (modulo), left in
 * `state` as the runtime that runs it records it (see SetState).
 */
class NewContainer implements StoreCommand {
  constructor(readonly pick: number, readonly state: ContainerState) {}
  check = (m: Readonly<StoreModel>) => m.images.length > 0;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    const image = m.images[this.pick % m.images.length]!.key;
    const name = m.nextContainerName();
    const [view] = await newContainers(r.ctx, [{ imageName: image, name }]);
    assert.deepEqual([view!.image.name, view!.container.state], [image, 'Off']);
    recordState(r, name, this.state);
    m.containers.push({ name, image, state: this.state });
    await verifyStore(m, r);
  }
  toString = () => `new-container from image #${this.pick}, ${this.state}`;
}

/**
 * New-ContainerImage of a container, picked by its place (modulo), after writing a fresh file
 * into it: an Off container becomes a new image over its image's chain plus one layer the store
 * makes (its digests read from what the store recorded); any other state is refused and
 * nothing changes.
 */
class Commit implements StoreCommand {
  constructor(readonly pick: number) {}
  check = (m: Readonly<StoreModel>) => m.containers.length > 0;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    const c = m.containers[this.pick % m.containers.length]!;
    const token = m.nextCommitToken();
    const file = `${token}.txt`;
    const view = getContainers(r.ctx, [c.name])[0]!;
    await writeFile(join(view.path, file), token);
    const name = token.toLowerCase();
    const committing = commitContainer(r.ctx, { container: { name: c.name }, name, createdBy: `test ${token}` });
    if (c.state !== 'Off') {
      await rejectsWith(committing, 'CONTAINER_NOT_OFF', 1);
      return verifyStore(m, r);
    }
    const made = (await committing).image;
    const top = r.ctx.store.layers.ofImage(made.id).at(-1)!;
    m.layers.set(token, { diffId: top.diffId as Digest, blob: top.blobDigest as Digest, file });
    const base = m.image(c.image)!;
    m.install({ key: name, repository: made.repository, chain: [...base.chain, token], manifest: made.manifestDigest as Digest, config: made.configDigest as Digest });
    await verifyStore(m, r);
  }
  toString = () => `commit container #${this.pick}`;
}

/** New-Container from an image that is not installed: not found, and nothing changes. */
class NewContainerOfMissing implements StoreCommand {
  constructor(readonly spec: ImageSpec) {}
  check = (m: Readonly<StoreModel>) => !m.image(this.spec.key);
  async run(m: StoreModel, r: RealStore): Promise<void> {
    await rejectsWith(newContainers(r.ctx, [{ imageName: this.spec.key, name: m.nextContainerName() }]), 'IMAGE_NOT_FOUND', 3);
    await verifyStore(m, r);
  }
  toString = () => `new-container from ${this.spec.key} (not installed)`;
}

/** A container's state changed by the runtime that runs it. */
class SetState implements StoreCommand {
  constructor(readonly pick: number, readonly state: ContainerState) {}
  check = (m: Readonly<StoreModel>) => m.containers.length > 0;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    const c = m.containers[this.pick % m.containers.length]!;
    recordState(r, c.name, this.state);
    c.state = this.state;
    await verifyStore(m, r);
  }
  toString = () => `set-state container #${this.pick} ${this.state}`;
}

/**
 * ctrimg has no verb that starts or stops a container: the runtime that runs it records its
 * state, so the test writes the row as that runtime would.
 */
function recordState(r: RealStore, container: string, state: ContainerState): void {
  r.ctx.store.db.prepare('UPDATE containers SET state = ? WHERE name = ?').run(state, container);
}

class RemoveContainer implements StoreCommand {
  constructor(readonly pick: number) {}
  check = (m: Readonly<StoreModel>) => m.containers.length > 0;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    const c = m.containers[this.pick % m.containers.length]!;
    const done = await removeContainers(r.ctx, getContainers(r.ctx, [c.name]));
    assert.deepEqual(done.removed.map((v) => v.container.name), [c.name]);
    m.containers = m.containers.filter((x) => x !== c);
    await verifyStore(m, r);
  }
  toString = () => `remove-container #${this.pick}`;
}

/** Remove-ContainerImage of one installed image by name, picked by its place in install order (modulo). */
class RemoveImage implements StoreCommand {
  constructor(readonly pick: number) {}
  check = (m: Readonly<StoreModel>) => m.images.length > 0;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    await removeAndCheck(m, r, [m.images[this.pick % m.images.length]!.key]);
    await verifyStore(m, r);
  }
  toString = () => `remove-image #${this.pick}`;
}

/** Remove-ContainerImage of an image that is not installed: not found, and nothing changes. */
class RemoveMissingImage implements StoreCommand {
  constructor(readonly spec: ImageSpec) {}
  check = (m: Readonly<StoreModel>) => !m.image(this.spec.key);
  async run(m: StoreModel, r: RealStore): Promise<void> {
    await removeAndCheck(m, r, [this.spec.key]);
    await verifyStore(m, r);
  }
  toString = () => `remove-image ${this.spec.key} (not installed)`;
}

/** Remove-ContainerImage of several images matched at once: each free of dependents goes (a child before its former parent), the others are refused. */
class RemoveImages implements StoreCommand {
  constructor(readonly specs: ImageSpec[]) {}
  check = () => true;
  async run(m: StoreModel, r: RealStore): Promise<void> {
    await removeAndCheck(m, r, this.specs.map((s) => s.key));
    await verifyStore(m, r);
  }
  toString = () => `remove-images ${this.specs.map((s) => s.key).join(',')}`;
}

/**
 * Selects the images by name as Remove-ContainerImage does and removes them. What the model
 * removes, the operation must report removed, and what it refuses, refused; a refusal ends in
 * IMAGE_IN_USE (exit 4) naming each refused image and each of its dependents.
 */
async function removeAndCheck(m: StoreModel, r: RealStore, keys: string[]): Promise<void> {
  const present = keys.filter((k) => m.image(k));
  if (present.length === 0) {
    assert.throws(() => selectByQuery(r.ctx, { names: keys }), isError('IMAGE_NOT_FOUND', 3));
    return;
  }
  const targets = selectByQuery(r.ctx, { names: keys });
  assert.deepEqual(targets.map((t) => t.name).sort(), [...present].sort());
  const { removed, refused } = m.remove(present);
  const done = await removeImages(r.ctx, targets);
  assert.deepEqual(done.removed.map((i) => i.name).sort(), [...removed].sort(), 'the images removed');
  assert.deepEqual(done.refused.map((x) => x.image.name).sort(), [...refused.keys()].sort(), 'the images refused');
  const err = removalError(done);
  if (refused.size === 0) {
    assert.equal(err, undefined);
    return;
  }
  assert.ok(isError('IMAGE_IN_USE', 4)(err));
  for (const [key, deps] of refused) {
    for (const named of namesIn(deps)) assert.match(err!.message, new RegExp(`'${key}'[^;]*'${named}'`), `names what ${key} is used by`);
  }
}

/** The dependents a refusal must name. */
const namesIn = (d: Dependents) => [...d.containers.map((c) => c.name), ...d.children.map((i) => i.key)];

async function rejectsWith(p: Promise<unknown>, code: string, exit: number): Promise<CtrimgError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`succeeded; ${code} was expected`),
    (err: unknown) => (caught = err),
  );
  assert.ok(isError(code, exit)(caught));
  return caught as CtrimgError;
}

const isError = (code: string, exit: number) => (err: unknown) => {
  assert.ok(err instanceof CtrimgError, String(err));
  assert.deepEqual([err.code, err.exitCode], [code, exit], err.message);
  return true;
};

/** The command arbitraries for a family; fc.commands picks among them evenly, so repeats weigh. */
export function storeCommands(family: ImageSpec[]): fc.Arbitrary<StoreCommand>[] {
  const spec = fc.constantFrom(...family);
  const install = spec.map((s) => new Install(s));
  const state = fc.constantFrom(...STATES);
  const removeImage = fc.nat().map((pick) => new RemoveImage(pick));
  return [
    install,
    install,
    install,
    fc.tuple(fc.nat(), state).map(([pick, s]) => new NewContainer(pick, s)),
    spec.map((s) => new NewContainerOfMissing(s)),
    fc.tuple(fc.nat(), state).map(([pick, s]) => new SetState(pick, s)),
    fc.nat().map((pick) => new RemoveContainer(pick)),
    fc.nat().map((pick) => new Commit(pick)),
    removeImage,
    removeImage,
    spec.map((s) => new RemoveMissingImage(s)),
    // Unique picks from a family of one would never end: several need two to pick from.
    ...(family.length >= 2 ? [fc.uniqueArray(spec, { minLength: 2, maxLength: Math.min(4, family.length), selector: (s) => s.key }).map((ss) => new RemoveImages(ss))] : []),
  ];
}

/** Names in a store directory, sorted; none when it does not exist. */
async function entries(root: string, dir: string): Promise<string[]> {
  return (await readdir(join(root, dir)).catch(() => [] as string[])).sort();
}

const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));

/**
 * The store against the model: the images and their ParentImage as listed, the containers, the
 * layer records, and on disk exactly the blobs, layer and container directories they use (none
 * orphaned, none missing), every layer's file in its directory and in each container above it,
 * and nothing left in ingest/ or leases/.
 */
async function verifyStore(m: StoreModel, r: RealStore): Promise<void> {
  const { ctx, root } = r;
  const listed = getImages(ctx).map((x) => ({
    name: x.image.name,
    repository: x.image.repository,
    manifest: x.image.manifestDigest,
    config: x.image.configDigest,
    chain: ctx.store.layers.ofImage(x.image.id).map((l) => l.chainId),
    parent: x.parent?.name ?? null,
    isOSImage: x.isOSImage,
  }));
  const expected = m.images.map((i) => {
    const parent = m.parentOf(i);
    return { name: i.key, repository: i.repository, manifest: i.manifest, config: i.config, chain: m.chainIds(i), parent: parent?.key ?? null, isOSImage: parent === null };
  });
  assert.deepEqual(byName(listed), byName(expected), 'the images, their layer chains and ParentImage');

  const names = new Map(ctx.store.images.all().map((i) => [i.id, i.name]));
  const containers = ctx.store.containers.list();
  assert.deepEqual(
    byName(containers.map((c) => ({ name: c.name, image: names.get(c.imageId), state: c.state }))),
    byName(m.containers),
    'the containers, their images and states',
  );

  const layers = m.expectedLayers();
  assert.deepEqual(
    ctx.store.layers.all().map((l) => `${l.chainId} ${l.blobDigest}`).sort(),
    [...layers].map(([id, f]) => `${id} ${f.blob}`).sort(),
    'the layer records: each one some image uses, none missing',
  );
  assert.deepEqual(await entries(root, 'layers'), [...layers.keys()].map(hexOf).sort(), 'the layer directories');
  assert.deepEqual(await entries(root, 'blobs/sha256'), [...m.expectedBlobs()].map(hexOf).sort(), 'the blobs');
  assert.deepEqual(await entries(root, 'containers'), containers.map((c) => c.cid).sort(), 'the container directories');
  assert.deepEqual(await entries(root, 'ingest'), [], 'nothing left being ingested');
  assert.deepEqual(await entries(root, 'leases'), [], 'no lease left held');

  for (const [id, f] of layers) if (f.file) await access(join(ctx.layerPath(id), f.file));
  for (const c of containers) {
    const img = m.image(names.get(c.imageId)!)!;
    for (const t of img.chain) {
      const file = m.layers.get(t)!.file;
      if (file) await access(join(ctx.containerPath(c.cid), file));
    }
  }
}

/**
 * Removes every container, then every image, through the ops, and checks the store is empty:
 * whatever a run left, nothing of it is kept from removal or left behind by it. An emptied store
 * is what a new one is (SQLite numbers rows of an empty table from 1 again), so runs share one.
 */
export async function emptyStore(m: StoreModel, r: RealStore): Promise<void> {
  const containers = getContainers(r.ctx);
  if (containers.length > 0) await removeContainers(r.ctx, containers);
  const images = getImages(r.ctx).map((x) => x.image);
  if (images.length > 0) assert.deepEqual((await removeImages(r.ctx, images)).refused, [], 'with no container left, every image goes, children first');
  m.containers = [];
  m.images = [];
  await verifyStore(m, r);
}
