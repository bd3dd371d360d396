/**
 * What the docker-style views (`ctrimg images`, `history`) show of the installed images, in
 * docker's terms: an image's id is its config digest, its repository the name docker would give
 * the reference, its size the content bytes of its layers (layers/content-size.ts).
 */
import { readFile } from 'node:fs/promises';
import { notFound } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { parseImageConfig } from '../image/manifest.js';
import { measureTree } from '../layers/content-size.js';
import { blobPath, layerDir } from '../content/layout.js';
import type { ImageRecord } from '../../store/index.js';
import type { StoreContext } from './store-context.js';
import { findDockerImage, findReference, historyRows, selectDockerImages, type DockerHistoryRow, type DockerImageRow, type DockerImagesQuery } from './docker-images.js';

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
  const entries = await dockerImageEntries(ctx, { measure: true, labels });
  return selectDockerImages(entries.map((e) => e.row), query);
}

/**
 * `docker history IMAGE`: the entries of the image's config, newest first, each layer's its
 * content bytes; the newest carries the image's id and the next ones its ancestors', nearest
 * first (moby does so for the parents it recorded; ctrimg knows every image's ParentImage).
 */
export async function dockerHistory(ctx: StoreContext, argument: string): Promise<DockerHistoryRow[]> {
  const { image } = resolveDockerImage(await dockerImageEntries(ctx), argument).entries[0]!;
  const config = parseImageConfig(await readConfig(ctx, image.configDigest as Digest));
  const rows = historyRows(config, await layerSizes(ctx, image.id), image.configDigest);
  const ancestors = ctx.store.lineage.ancestors(image.id);
  ancestors.forEach((a, i) => {
    if (rows[i + 1]) rows[i + 1]!.id = a.configDigest;
  });
  return rows;
}

/** A row of the docker views with the installed image it shows. */
export interface DockerEntry {
  row: DockerImageRow;
  image: ImageRecord;
}

/** What an argument of rmi, save or history names. */
export interface NamedDockerImage {
  /** The image id. */
  id: string;
  /** Every entry of that id (one per reference and installed image). */
  entries: DockerEntry[];
  /** The entry the argument names when it is a reference (`repo:tag`, `repo@digest`), not an id. */
  reference?: DockerEntry;
}

/** docker's error for an argument that names no installed image. */
export const noSuchImage = (argument: string) => notFound(`No such image: ${argument}`, { code: 'IMAGE_NOT_FOUND', hint: 'list the images to see their names and ids' });

/** The image an argument names as docker's image commands read it (findDockerImage), else docker's not-found error. */
export function resolveDockerImage(entries: readonly DockerEntry[], argument: string): NamedDockerImage {
  const rows = entries.map((e) => e.row);
  const id = findDockerImage(argument, rows);
  if (id === undefined) throw noSuchImage(argument);
  const reference = findReference(argument, rows);
  return { id, entries: entries.filter((e) => e.row.id === id), ...(reference && { reference: entries.find((e) => e.row === reference) }) };
}

function readConfig(ctx: StoreContext, digest: Digest): Promise<Buffer> {
  return readFile(blobPath(ctx.root, digest));
}

export interface RowOptions {
  /**
   * Measure the layers recorded before their content bytes were counted (schema 9) as moby
   * does, for a size to show; without, their bytes are left out (finding an image needs none).
   */
  measure?: boolean;
  /** Read each image's config for its labels (a label filter needs them). */
  labels?: boolean;
}

/**
 * The rows docker would list before selection (docker-images.ts selects), each with the
 * installed image it shows: one per tag of each installed image; an image without a tag that
 * was pulled, one with its repository and digest; any other (loaded from a file without a
 * name, or committed without one), one of `<none>`. Only a pulled image has a digest, as only a
 * pull gives docker an image's RepoDigests.
 */
export async function dockerImageEntries(ctx: StoreContext, opts: RowOptions = {}): Promise<DockerEntry[]> {
  const { store } = ctx;
  const totals = store.images.contentTotals();
  const parents = store.images.parents();
  const tags = store.images.allTags();
  const entries: DockerEntry[] = [];
  for (const image of store.images.all()) {
    const total = totals.get(image.id) ?? { bytes: 0, uncounted: 0 };
    const named = image.repository !== '';
    const row = {
      id: image.configDigest,
      digest: image.pulled ? image.manifestDigest : null,
      created: image.created,
      size: opts.measure && total.uncounted > 0 ? sum(await layerSizes(ctx, image.id)) : total.bytes,
      labels: opts.labels ? (parseImageConfig(await readConfig(ctx, image.configDigest as Digest)).labels ?? {}) : {},
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

const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);

/** Each layer's content bytes, base first: as counted, or for a layer recorded before schema 9 measured as moby measures it. */
async function layerSizes(ctx: StoreContext, imageId: number): Promise<number[]> {
  const sizes: number[] = [];
  for (const layer of ctx.store.layers.ofImage(imageId)) sizes.push(layer.contentBytes ?? (await measureTree(layerDir(ctx.root, layer.chainId))));
  return sizes;
}
