/** New-, Get- and Remove-Container: records whose existence keeps their image installed. */
import { randomBytes } from 'node:crypto';
import { notFound, usage } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { ContainerRecord, ImageWithChain } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { assertDatabaseSound } from './damage.js';
import { getImages } from './images.js';
import { matchesAny } from './wildcard.js';

export interface ContainerView {
  container: ContainerRecord;
  image: ImageWithChain;
  /** The container's directory, derived from its cid. */
  path: string;
}

const CONTAINER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export async function newContainer(
  ctx: OpsContext,
  opts: { imageName: string; imageVersion?: string; name: string },
): Promise<ContainerView> {
  if (!CONTAINER_NAME_RE.test(opts.name)) {
    throw usage(`container name '${opts.name}' is not valid: use letters, digits, '_', '.', '-', starting with a letter or digit`);
  }
  if (ctx.store.containers.byName(opts.name)) {
    throw usage(`a container named '${opts.name}' already exists`, { hint: 'Pick another -Name or remove it first' });
  }
  const matches = getImages(ctx, { names: [opts.imageName], version: opts.imageVersion });
  const what = opts.imageVersion ? `${opts.imageName} ${opts.imageVersion}` : opts.imageName;
  if (matches.length === 0) throw notFound(`no installed image matches '${what}'`, { hint: 'Get-ContainerImage lists them' });
  const distinct = new Set(matches.map((m) => m.image.name.toLowerCase()));
  if (distinct.size > 1) {
    throw usage(`'${opts.imageName}' matches several images (${[...distinct].join(', ')}); give the exact name`);
  }
  // getImages sorts newest first: without -ContainerImageVersion the newest version is used.
  const image = matches[0]!.image;
  const cid = randomBytes(32).toString('hex');
  const path = ctx.containerPath(cid);
  const layers = ctx.store.layers.ofImage(image.id);
  await ctx.importer.createContainer(path, layers.map((l) => ctx.layerPath(l.chainId as Digest)).reverse());
  const record = ctx.store.transaction(() =>
    ctx.store.containers.add({ cid, name: opts.name, imageId: image.id, state: 'Off', created: ctx.now().toISOString() }),
  );
  if (!record) {
    await ctx.importer.removeContainer(path);
    throw usage(`a container named '${opts.name}' already exists`);
  }
  return { container: record, image, path };
}

export function getContainers(ctx: OpsContext, names?: string[]): ContainerView[] {
  const images = new Map(ctx.store.images.listWithChains().map((i) => [i.id, i]));
  const found = ctx.store.containers
    .list()
    .filter((c) => matchesAny(c.name, names))
    .map((container) => ({ container, image: images.get(container.imageId)!, path: ctx.containerPath(container.cid) }));
  if (names?.length && found.length === 0) throw notFound(`no container matches '${names.join("', '")}'`);
  return found;
}

/**
 * Removes the containers' records, then their file systems. One that another command removed
 * between our selection and its deletion is reported in `gone`; its files are that command's.
 */
export async function removeContainers(
  ctx: OpsContext,
  views: ContainerView[],
  opts: { whatIf?: boolean } = {},
): Promise<{ removed: ContainerView[]; gone: ContainerView[] }> {
  if (opts.whatIf) return { removed: views, gone: [] };
  await ctx.importer.ensureReady();
  assertDatabaseSound(ctx);
  const removed: ContainerView[] = [];
  const gone: ContainerView[] = [];
  for (const v of views) {
    if (!ctx.store.transaction(() => ctx.store.containers.remove(v.container))) {
      gone.push(v);
      continue;
    }
    await ctx.importer.removeContainer(v.path);
    removed.push(v);
  }
  return { removed, gone };
}

/** The not-found error for selected containers that another command removed first. */
export function containersGone(gone: ContainerView[]) {
  const names = gone.map((v) => `'${v.container.name}'`).join(', ');
  return notFound(`container ${names} ${gone.length === 1 ? 'was' : 'were'} removed meanwhile by another command`, { code: 'CONTAINER_GONE' });
}

/** Resolves piped Get-Container objects (by Id, else Name) to container records. */
export function selectPipedContainers(ctx: OpsContext, objects: { Id?: unknown; Name?: unknown }[]): ContainerView[] {
  const all = getContainers(ctx);
  return objects.map((o) => {
    const v = all.find((x) => (typeof o.Id === 'string' && x.container.cid === o.Id) || (typeof o.Name === 'string' && x.container.name.toLowerCase() === o.Name.toLowerCase()));
    if (!v) throw notFound(`no container matches the piped object ${JSON.stringify({ Id: o.Id, Name: o.Name })}`);
    return v;
  });
}

