/**
 * What the docker-style views (`ctrimg images`, `history`) show of the installed images, in
 * docker's terms: an image's id is its config digest, its repository the name docker would give
 * the reference, its size the content bytes of its layers (layers/content-size.ts).
 */
import { readFile } from 'node:fs/promises';
import { failed, notFound } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { parseImageConfig } from '../image/manifest.js';
import { measureTree } from '../layers/content-size.js';
import { blobPath, layerDir } from '../content/layout.js';
import type { ImageRecord } from '../../store/index.js';
import type { StoreContext } from './store-context.js';
import { findDockerImage, historyRows, selectDockerImages, type DockerHistoryRow, type DockerImageRow, type DockerImagesQuery } from './docker-images.js';

/**
 * docker's short form of a repository: Docker Hub's host and its `library/` namespace left out
 * (distribution/reference's FamiliarName), every other registry kept with its host.
 */
export function familiarRepository(repository: string): string {
  const hub = /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(.+)$/.exec(repository);
  if (!hub) return repository;
  const path = hub[1]!;
  return /^library\/[^/]+$/.test(path) ? path.slice('library/'.length) : path;
}

/** `docker images`: the rows the query selects, in no particular order (the view sorts). */
export async function listDockerImages(ctx: StoreContext, query: DockerImagesQuery): Promise<DockerImageRow[]> {
  const labels = (query.filters ?? []).some((f) => /^\s*label=/.test(f));
  return selectDockerImages(await dockerImageRows(ctx, labels ? { readConfig: (d) => readConfig(ctx, d) } : {}), query);
}

/**
 * `docker history IMAGE`: the entries of the image's config, newest first, each layer's its
 * content bytes; the newest carries the image's id and the next ones its ancestors', nearest
 * first (moby does so for the parents it recorded; ctrimg knows every image's ParentImage).
 */
export async function dockerHistory(ctx: StoreContext, image: string): Promise<DockerHistoryRow[]> {
  const id = findDockerImage(image, await dockerImageRows(ctx));
  const record = id === undefined ? undefined : ctx.store.images.all().find((i) => i.configDigest === id);
  if (!record) throw notFound(`No such image: ${image}`, { code: 'IMAGE_NOT_FOUND', hint: 'list the images to see their names and ids' });
  const config = parseImageConfig(await readConfig(ctx, record.configDigest as Digest));
  const sizes: number[] = [];
  for (const layer of ctx.store.layers.ofImage(record.id)) sizes.push(layer.contentBytes ?? (await measureTree(layerDir(ctx.root, layer.chainId))));
  const rows = historyRows(config, sizes, record.configDigest);
  const ancestors = ctx.store.lineage.ancestors(record.id);
  ancestors.forEach((a, i) => {
    if (rows[i + 1]) rows[i + 1]!.id = a.configDigest;
  });
  return rows;
}

function readConfig(ctx: StoreContext, digest: Digest): Promise<Buffer> {
  return readFile(blobPath(ctx.root, digest));
}

export interface RowOptions {
  /** Reads an image's config blob: given, each row carries its labels (a label filter needs them). */
  readConfig?: (digest: Digest) => Promise<Buffer>;
}

/**
 * The rows docker would list before selection (docker-images.ts selects): one per tag of each
 * installed image; an image without a tag that was pulled, one with its repository and digest;
 * any other (loaded from a file without a name, or committed without one), one of `<none>`.
 * Only a pulled image has a digest, as only a pull gives docker an image's RepoDigests.
 */
export async function dockerImageRows(ctx: StoreContext, opts: RowOptions = {}): Promise<DockerImageRow[]> {
  return (await dockerImageEntries(ctx, opts)).map((e) => e.row);
}

/** dockerImageRows, each with the installed image it shows. */
export async function dockerImageEntries(ctx: StoreContext, opts: RowOptions = {}): Promise<Array<{ row: DockerImageRow; image: ImageRecord }>> {
  const { store } = ctx;
  const totals = store.images.contentTotals();
  const parents = store.images.parents();
  const tags = store.images.allTags();
  const entries: Array<{ row: DockerImageRow; image: ImageRecord }> = [];
  for (const image of store.images.all()) {
    const total = totals.get(image.id) ?? { bytes: 0, uncounted: 0 };
    const named = image.repository !== '';
    const row = {
      id: image.configDigest,
      digest: image.pulled ? image.manifestDigest : null,
      created: image.created,
      size: total.uncounted > 0 ? await measuredSize(ctx, image.id) : total.bytes,
      labels: opts.readConfig ? labelsOf(await opts.readConfig(image.configDigest as Digest), image.configDigest) : {},
      hasChildren: parents.has(image.id),
    };
    const repository = named ? familiarRepository(image.repository) : null;
    const imageTags = named ? (tags.get(image.id) ?? []) : [];
    for (const tag of imageTags) entries.push({ row: { ...row, repository, tag }, image });
    if (imageTags.length > 0) continue;
    entries.push({ row: named && image.pulled ? { ...row, repository, tag: null } : { ...row, repository: null, tag: null, digest: null }, image });
  }
  return entries;
}

/** An image with layers recorded before schema 9: the counted ones as counted, the others measured as moby measures them. */
async function measuredSize(ctx: StoreContext, imageId: number): Promise<number> {
  let total = 0;
  for (const layer of ctx.store.layers.ofImage(imageId)) total += layer.contentBytes ?? (await measureTree(layerDir(ctx.root, layer.chainId)));
  return total;
}

function labelsOf(configBytes: Buffer, digest: string): Record<string, string> {
  let config: { config?: { Labels?: unknown } };
  try {
    config = JSON.parse(configBytes.toString('utf8')) as typeof config;
  } catch (err) {
    throw failed(`the stored config ${digest} is not JSON: ${(err as Error).message}`, { code: 'STORE_DAMAGED' });
  }
  const labels = config.config?.Labels;
  if (labels === null || labels === undefined || typeof labels !== 'object') return {};
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
