/** Get-ContainerImage: installed images with their computed lineage, and selection by name. */
import { notFound, usage } from '../errors.js';
import { compareVersions, parseVersion, tryParseVersion, versionsEqual } from '../image/version.js';
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
  names?: string[];
  publisher?: string;
  version?: string;
  /** Only images whose ParentImage is the one image this name selects. */
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
  const version = q.version === undefined ? undefined : parseVersion(q.version, 'Version');
  let selected = all.filter(
    (img) =>
      matchesAny(img.name, q.names) &&
      (q.publisher === undefined || matchesAny(img.publisher ?? '', [stripCN(q.publisher)])) &&
      (version === undefined || (img.version !== null && versionsEqual(parseVersion(img.version), version))),
  );
  if (q.childOf !== undefined) {
    const parent = all.filter((img) => matchesAny(img.name, [q.childOf!]));
    if (parent.length === 0) throw notFound(`no installed image matches -ChildOf '${q.childOf}'`);
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

/** What a piped JSON object may carry to name an installed image. */
export interface ImageSelector {
  Id?: unknown;
  Digest?: unknown;
  Repository?: unknown;
  Name?: unknown;
  Publisher?: unknown;
  Version?: unknown;
}

/**
 * Resolves piped objects (Get-ContainerImage's JSON) to installed images: by Repository and
 * Digest when present, else by Id, else by Name/Publisher/Version. Each object must match.
 */
export function selectPiped(ctx: OpsContext, objects: ImageSelector[]): ImageWithChain[] {
  const all = ctx.store.images.listWithChains();
  const out = new Map<number, ImageWithChain>();
  for (const o of objects) {
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    let found: ImageWithChain[];
    if (str(o.Repository) && str(o.Digest)) {
      found = all.filter((i) => i.repository === o.Repository && i.manifestDigest === o.Digest);
    } else if (str(o.Id)) {
      found = all.filter((i) => i.configDigest === o.Id);
    } else if (str(o.Name)) {
      found = getImages(ctx, { names: [str(o.Name)!], publisher: str(o.Publisher), version: str(o.Version) }).map((x) => x.image);
    } else {
      throw usage('a piped object names no image: it needs Repository and Digest, Id, or Name');
    }
    if (found.length === 0) throw notFound(`no installed image matches the piped object ${describe(o)}`);
    for (const f of found) out.set(f.id, f);
  }
  return [...out.values()];
}

function describe(o: ImageSelector): string {
  return JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => ['Name', 'Version', 'Id', 'Repository', 'Digest'].includes(k))));
}

/** Remove-ContainerImage's selection: by name/publisher/version, else the piped objects. */
export function selectForRemoval(
  ctx: OpsContext,
  q: { names?: string[]; publisher?: string; version?: string; piped: ImageSelector[] },
): ImageWithChain[] {
  if (q.names) {
    const found = getImages(ctx, q).map((x) => x.image);
    if (found.length === 0) throw notFound(`no installed image matches '${q.names.join("', '")}'`, { hint: 'Get-ContainerImage lists them' });
    return found;
  }
  if (q.piped.length === 0) throw usage('give -Name, or pipe image objects (Get-ContainerImage -OutputFormat Json) to stdin');
  return selectPiped(ctx, q.piped);
}
