/** Installed images with their computed lineage, and selecting them by name or by selector. */
import { notFound } from '../errors.js';
import { compareVersions, parseVersion, tryParseVersion, versionsEqual, type Version } from '../image/version.js';
import type { ImageRecord, ImageWithChain } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { childrenOf, parentsOf } from './lineage.js';
import { matchesAny } from './wildcard.js';

export interface InstalledImage {
  image: ImageWithChain;
  parent: ImageWithChain | null;
  /** True exactly when the image has no parent. */
  isOSImage: boolean;
}

export interface ImageQuery {
  /** Wildcard patterns; absent: every name. */
  names?: string[];
  /** A wildcard pattern, with or without `CN=`. */
  publisher?: string;
  version?: Version;
  /** Only images whose parent is an image of this name (a wildcard pattern). */
  childOf?: string;
}

export function withLineage(all: ImageWithChain[]): InstalledImage[] {
  const parents = parentsOf(all);
  return all.map((image) => {
    const parent = parents.get(image.id) ?? null;
    return { image, parent, isOSImage: parent === null };
  });
}

/** `WebApp 1.2.0.0`, or just the name when the image has no version. */
export const describeImage = (img: ImageRecord): string => (img.version ? `${img.name} ${img.version}` : img.name);

/** The given images with their lineage against everything installed now. */
export function lineageOf(ctx: OpsContext, images: { id: number }[]): InstalledImage[] {
  const byId = new Map(withLineage(ctx.store.images.listWithChains()).map((x) => [x.image.id, x]));
  return images.map((i) => byId.get(i.id)).filter((x): x is InstalledImage => x !== undefined);
}

const stripCN = (p: string) => p.replace(/^CN=/i, '');

/** Images matching the query, sorted by name then newest version first. */
export function getImages(ctx: OpsContext, q: ImageQuery = {}): InstalledImage[] {
  const all = ctx.store.images.listWithChains();
  const { version } = q;
  let selected = all.filter(
    (img) =>
      matchesAny(img.name, q.names) &&
      (q.publisher === undefined || matchesAny(img.publisher ?? '', [stripCN(q.publisher)])) &&
      (version === undefined || (img.version !== null && versionsEqual(parseVersion(img.version), version))),
  );
  if (q.childOf !== undefined) {
    const parent = all.filter((img) => matchesAny(img.name, [q.childOf!]));
    if (parent.length === 0) throw notFound(`no installed image matches '${q.childOf}', the parent whose children were asked for`, { code: 'IMAGE_NOT_FOUND', hint: 'list the installed images to see their names' });
    const childIds = new Set(parent.flatMap((p) => childrenOf(p.id, all).map((c) => c.id)));
    selected = selected.filter((img) => childIds.has(img.id));
  }
  const ids = new Set(selected.map((s) => s.id));
  return withLineage(all)
    .filter((x) => ids.has(x.image.id))
    .sort((a, b) => a.image.name.localeCompare(b.image.name, 'en', { sensitivity: 'base' }) || byVersionDesc(a.image, b.image));
}

function byVersionDesc(a: ImageWithChain, b: ImageWithChain): number {
  const va = a.version ? tryParseVersion(a.version) : undefined;
  const vb = b.version ? tryParseVersion(b.version) : undefined;
  if (va && vb) return compareVersions(vb, va);
  return Number(!va) - Number(!vb) || a.id - b.id;
}

/**
 * One installed image named exactly, as a listing printed it: by repository and manifest digest,
 * by id (the config digest), or by name with optional publisher and version.
 */
export type ImageSelector =
  | { by: 'manifest'; repository: string; digest: string }
  | { by: 'id'; id: string }
  | { by: 'name'; name: string; publisher?: string; version?: Version };

/** The installed images the selectors name, each once; a selector that matches nothing is not found. */
export function selectImages(ctx: OpsContext, selectors: ImageSelector[]): ImageWithChain[] {
  const all = ctx.store.images.listWithChains();
  const out = new Map<number, ImageWithChain>();
  for (const sel of selectors) {
    const found =
      sel.by === 'manifest'
        ? all.filter((i) => i.repository === sel.repository && i.manifestDigest === sel.digest)
        : sel.by === 'id'
          ? all.filter((i) => i.configDigest === sel.id)
          : getImages(ctx, { names: [sel.name], publisher: sel.publisher, version: sel.version }).map((x) => x.image);
    if (found.length === 0) throw notFound(`no installed image matches ${describeSelector(sel)}`, { code: 'IMAGE_NOT_FOUND' });
    for (const f of found) out.set(f.id, f);
  }
  return [...out.values()];
}

function describeSelector(sel: ImageSelector): string {
  if (sel.by === 'manifest') return `${sel.repository}@${sel.digest}`;
  if (sel.by === 'id') return `id ${sel.id}`;
  return `'${[sel.name, sel.publisher && `(${sel.publisher})`, sel.version?.text].filter(Boolean).join(' ')}'`;
}

/** Images matching the query, as for a removal: a query that matches nothing is not found. */
export function selectByQuery(ctx: OpsContext, q: ImageQuery & { names: string[] }): ImageWithChain[] {
  const found = getImages(ctx, q).map((x) => x.image);
  if (found.length === 0) {
    throw notFound(`no installed image matches '${q.names.join("', '")}'`, { code: 'IMAGE_NOT_FOUND', hint: 'list the installed images to see their names' });
  }
  return found;
}
