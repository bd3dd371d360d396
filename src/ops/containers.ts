/** Containers: records whose existence keeps their image installed. */
import { randomBytes } from 'node:crypto';
import { CtrimgError, failed, isAbort, notFound, usage } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { Version } from '../image/version.js';
import type { ContainerRecord, ImageRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { assertDatabaseSound } from './damage.js';
import { describeSelector, matchImages, selectImages, type ImageSelector, type Lookup, type Missing } from './images.js';
import { withLease } from './lease-scope.js';
import { matchesAny } from './wildcard.js';

export interface ContainerView {
  container: ContainerRecord;
  image: ImageRecord;
  /** The container's directory, derived from its cid. */
  path: string;
}

const CONTAINER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export type NewContainerRequest = {
  name: string;
  /** Bytes of the container's scratch disk (hcs only, importers/scratch.ts); else the importer's default. */
  scratchSize?: number;
} & (
  | {
      /** The image: a name (wildcards allowed, but it must select one image) and a version, else the newest. */
      imageName: string;
      imageVersion?: Version;
    }
  /** The image exactly as a listing printed it (an image object piped in). */
  | { image: ImageSelector }
);

/** The image a new-container request names, for a question or a what-if line. */
export function describeImageRequest(req: NewContainerRequest): string {
  if ('image' in req) return describeSelector(req.image);
  return req.imageVersion ? `${req.imageName} ${req.imageVersion.text}` : req.imageName;
}

/**
 * One container per request, in their order, under the install lease: a removal must not take an
 * image's layers, or a container's not yet recorded directory, away while it is made. Every name and image is checked
 * before any container is made, so a name given twice or taken, or an image not installed,
 * creates none.
 */
export async function newContainers(ctx: OpsContext, reqs: NewContainerRequest[]): Promise<ContainerView[]> {
  // Before the lease too: taking it may remove leftovers through the importer.
  await ctx.importer.ensureReady();
  return withLease(ctx, 'install', async () => {
    const seen = new Set<string>();
    for (const { name } of reqs) {
      if (seen.has(name)) throw usage(`the container name '${name}' is given twice`, { code: 'CONTAINER_EXISTS', hint: 'give each container its own name' });
      seen.add(name);
    }
    const planned = reqs.map((req) => ({ req, image: check(ctx, req) }));
    const views: ContainerView[] = [];
    for (const { req, image } of planned) views.push(await create(ctx, req, image));
    return views;
  });
}

/** The image a request names, once its container name is known valid and free. */
function check(ctx: OpsContext, opts: NewContainerRequest): ImageRecord {
  if (!CONTAINER_NAME_RE.test(opts.name)) {
    throw usage(`container name '${opts.name}' is not valid: use letters, digits, '_', '.', '-', starting with a letter or digit`, {
      code: 'CONTAINER_NAME_INVALID',
    });
  }
  if (ctx.store.containers.byName(opts.name)) {
    throw usage(`a container named '${opts.name}' already exists`, { code: 'CONTAINER_EXISTS', hint: 'pick another name or remove it first' });
  }
  if ('image' in opts) {
    const images = selectImages(ctx, [opts.image]);
    if (images.length > 1) throw usage(`a piped image object selects ${images.length} installed images; a container is made from one`, { code: 'NAME_AMBIGUOUS' });
    return images[0]!;
  }
  const matches = matchImages(ctx, { names: [opts.imageName], version: opts.imageVersion });
  const what = opts.imageVersion ? `${opts.imageName} ${opts.imageVersion.text}` : opts.imageName;
  if (matches.length === 0) {
    throw notFound(`no installed image matches '${what}'`, { code: 'IMAGE_NOT_FOUND', hint: 'list the installed images to see their names' });
  }
  const distinct = new Set(matches.map((m) => m.name.toLowerCase()));
  if (distinct.size > 1) {
    throw usage(`'${opts.imageName}' matches several images (${[...distinct].join(', ')}); give the exact name`, { code: 'NAME_AMBIGUOUS' });
  }
  // Sorted newest first: without a version the newest is used.
  return matches[0]!;
}

async function create(ctx: OpsContext, opts: NewContainerRequest, image: ImageRecord): Promise<ContainerView> {
  const cid = randomBytes(32).toString('hex');
  const path = ctx.containerPath(cid);
  const layers = ctx.store.layers.ofImage(image.id);
  await ctx.importer.createContainer(path, layers.map((l) => ctx.layerPath(l.chainId as Digest)).reverse(), {
    scratchSize: opts.scratchSize,
    warn: (m) => ctx.report.warn(m),
  });
  const record = ctx.store.transaction(() =>
    ctx.store.containers.add({ cid, name: opts.name, imageId: image.id, state: 'Off', created: ctx.now().toISOString() }),
  );
  if (!record) {
    await ctx.importer.removeContainer(path);
    throw usage(`a container named '${opts.name}' already exists`, { code: 'CONTAINER_EXISTS', hint: 'pick another name or remove it first' });
  }
  return { container: record, image, path };
}

export function getContainers(ctx: OpsContext, names?: string[]): ContainerView[] {
  const images = new Map(ctx.store.images.all().map((i) => [i.id, i]));
  const found = ctx.store.containers
    .list()
    .filter((c) => matchesAny(c.name, names))
    .map((container) => ({ container, image: images.get(container.imageId)!, path: ctx.containerPath(container.cid) }));
  if (names?.length && found.length === 0) throw notFound(`no container matches '${names.join("', '")}'`, { code: 'CONTAINER_NOT_FOUND' });
  return found;
}

/** A container whose removal failed, and why. */
export interface ContainerFailure {
  view: ContainerView;
  error: unknown;
}

export interface ContainersRemoval {
  removed: ContainerView[];
  /** Removed meanwhile by another command. */
  gone: ContainerView[];
  /** Their record went but their file system could not be deleted. */
  failed: ContainerFailure[];
  /** Not attempted, with stopAtFirstFailure, because one before them was gone or failed. */
  skipped: ContainerView[];
}

/**
 * Removes the containers' records, then their file systems, one container after the other. One
 * that another command removed between our selection and its deletion is reported in `gone`; its
 * files are that command's. A failure deleting one's files is reported with it, and the others
 * are still attempted unless `stopAtFirstFailure` (-ErrorAction Stop).
 */
export async function removeContainers(ctx: OpsContext, views: ContainerView[], opts: { stopAtFirstFailure?: boolean } = {}): Promise<ContainersRemoval> {
  await ctx.importer.ensureReady();
  assertDatabaseSound(ctx);
  const done: ContainersRemoval = { removed: [], gone: [], failed: [], skipped: [] };
  for (const v of views) {
    if (opts.stopAtFirstFailure && done.gone.length + done.failed.length > 0) {
      done.skipped.push(v);
    } else if (!ctx.store.transaction(() => ctx.store.containers.remove(v.container))) {
      done.gone.push(v);
    } else {
      try {
        await ctx.importer.removeContainer(v.path);
        done.removed.push(v);
      } catch (error) {
        // A cancellation ends the whole removal, not one container's.
        if (isAbort(error) || ctx.signal.aborted) throw error;
        done.failed.push({ view: v, error });
      }
    }
  }
  return done;
}

/** A container's failed removal as its own error, naming it; the failure's code and exit code are kept. */
export function containerRemovalError({ view, error }: ContainerFailure): CtrimgError {
  const what = `container '${view.container.name}' was removed from the records, but its files were not deleted: ${error instanceof Error ? error.message : String(error)}`;
  return error instanceof CtrimgError
    ? new CtrimgError(error.kind, what, { code: error.code, hint: error.hint, details: error.details, cause: error })
    : failed(what, { cause: error });
}

/** The not-found error for selected containers that another command removed first. */
export function containersGone(gone: ContainerView[]) {
  const names = gone.map((v) => `'${v.container.name}'`).join(', ');
  return notFound(`container ${names} ${gone.length === 1 ? 'was' : 'were'} removed meanwhile by another command`, { code: 'CONTAINER_GONE' });
}

/**
 * A container as a listing printed it: the one with this id (its cid); the name only names it
 * when no id is given, so a stale object never selects another container made since with its name.
 */
export interface ContainerSelector {
  id?: string;
  name?: string;
}

const selects = (sel: ContainerSelector, c: ContainerRecord) =>
  sel.id !== undefined ? c.cid === sel.id : sel.name !== undefined && c.name.toLowerCase() === sel.name.toLowerCase();

/** The not-found error for a selector; `all`: every container now, to say when its name is another's now. */
function containerNotFound(sel: ContainerSelector, all: ContainerView[]): CtrimgError {
  if (sel.id === undefined) return notFound(`no container named '${sel.name}'`, { code: 'CONTAINER_NOT_FOUND', hint: 'list the containers to see their names' });
  const what = `no container with id ${sel.id}${sel.name === undefined ? '' : ` (${sel.name})`}`;
  const namesake = sel.name !== undefined && all.some((v) => selects({ name: sel.name }, v.container));
  return namesake
    ? notFound(`${what}: the container named '${sel.name}' now is another one, made since it was listed`, { code: 'CONTAINER_NOT_FOUND', hint: 'list the containers again and pipe that listing' })
    : notFound(what, { code: 'CONTAINER_NOT_FOUND', hint: 'it was removed since it was listed, or listed in another store; list the containers to see which exist' });
}

/**
 * The containers the selectors name, each once, in the order first selected; the selectors that
 * match nothing are returned with their errors, for objects piped in, each its own operation.
 */
export function findContainers(ctx: OpsContext, selectors: ContainerSelector[]): Lookup<ContainerView, ContainerSelector> {
  const all = getContainers(ctx);
  const found = new Map<string, ContainerView>();
  const missing: Missing<ContainerSelector>[] = [];
  for (const sel of selectors) {
    const v = all.find((x) => selects(sel, x.container));
    if (v) found.set(v.container.cid, v);
    else missing.push({ selector: sel, error: containerNotFound(sel, all) });
  }
  return { found: [...found.values()], missing };
}

/** The containers the selectors name, each once; a selector that matches nothing is not found. */
export function selectContainers(ctx: OpsContext, selectors: ContainerSelector[]): ContainerView[] {
  const { found, missing } = findContainers(ctx, selectors);
  if (missing.length > 0) throw missing[0]!.error;
  return found;
}
