/**
 * Installed images with their lineage, and selecting them by name, by selector or by their
 * place in the lineage. Lineage is the store's answer (store/lineage.ts), never computed here.
 */
import { notFound } from '../errors.js';
import { compareVersions, parseVersion, tryParseVersion, versionsEqual, type Version } from '../image/version.js';
import type { ImageRecord, NamedImage } from '../../store/index.js';
import type { StoreContext } from './store-context.js';
import { wildcardRegExp } from './wildcard.js';

export interface InstalledImage {
  image: ImageRecord;
  parent: ImageRecord | null;
  /** True exactly when the image has no parent. */
  isOSImage: boolean;
}

/**
 * children: images whose ParentImage it is; descendants: their children too, and so on;
 * ancestors: its ParentImage, that one's ParentImage, and so on.
 */
export type Relation = 'children' | 'descendants' | 'ancestors';

export interface ImageQuery {
  /** Wildcard patterns; absent: every name. */
  names?: string[];
  /** A wildcard pattern, with or without `CN=`. */
  publisher?: string;
  version?: Version;
  /** Only images related so to an image of this name (a wildcard pattern). */
  related?: { relation: Relation; of: string };
}

/** `WebApp 1.2.0.0`, or just the name when the image has no version. */
export const describeImage = (img: ImageRecord): string => (img.version ? `${img.name} ${img.version}` : img.name);

/**
 * The images with their parents: `parents` when the lineage filter found them (every image it
 * allows), else asked of the store in one statement, for every image when all are listed, else
 * for those alone. The parents not among the images are read by id.
 */
function withParents(ctx: StoreContext, images: ImageRecord[], all: boolean, found?: Map<number, number | null>): InstalledImage[] {
  const { store } = ctx;
  const parents = found ?? store.lineage.parentIds(all ? undefined : images.map((i) => i.id));
  const known = new Map(images.map((i) => [i.id, i]));
  const missing = [...new Set(images.map((i) => parents.get(i.id)))].filter((id): id is number => typeof id === 'number' && !known.has(id));
  for (const p of missing.length > 0 ? store.images.byIds(missing) : []) known.set(p.id, p);
  return images.map((image) => {
    const id = parents.get(image.id);
    const parent = (typeof id === 'number' && known.get(id)) || null;
    return { image, parent, isOSImage: parent === null };
  });
}

/** The given images with their lineage against everything installed now (those no longer installed left out). */
export function lineageOf(ctx: StoreContext, images: { id: number }[]): InstalledImage[] {
  return ctx.store.read(() => {
    const found = new Map(ctx.store.images.byIds(images.map((i) => i.id)).map((i) => [i.id, i]));
    const inOrder = images.map((i) => found.get(i.id)).filter((x): x is ImageRecord => x !== undefined);
    return withParents(ctx, inOrder, false);
  });
}

const stripCN = (p: string) => p.replace(/^CN=/i, '');

/** A matcher for any of the wildcard patterns, compiled once; no patterns matches everything. */
function matcher(patterns: readonly string[] | undefined): (name: string) => boolean {
  if (!patterns || patterns.length === 0) return () => true;
  const res = patterns.map(wildcardRegExp);
  return (name) => res.some((re) => re.test(name));
}

/** Images whose name matches `pattern`; none is IMAGE_NOT_FOUND, naming what they were asked for as. */
function relatives(all: NamedImage[], pattern: string, role: string): NamedImage[] {
  const match = matcher([pattern]);
  const found = all.filter((img) => match(img.name));
  if (found.length === 0) {
    throw notFound(`no installed image matches '${pattern}', the image whose ${role} were asked for`, { code: 'IMAGE_NOT_FOUND', hint: 'list the installed images to see their names' });
  }
  return found;
}

/** What a lineage filter found: the images it allows, each with its generation and its parent's id. */
interface Related {
  /** 1: a child or the parent; 2: a grandchild or grandparent; ... */
  generations: Map<number, number>;
  /** null: an OS image. */
  parents: Map<number, number | null>;
}

/** The images the lineage filter allows, or undefined when none was asked for. */
function lineageFilter(ctx: StoreContext, all: NamedImage[], related: ImageQuery['related']): Related | undefined {
  if (!related) return undefined;
  const { lineage } = ctx.store;
  const generations = new Map<number, number>();
  const parents = new Map<number, number | null>();
  const add = (id: number, generation: number, parent: number | null) => {
    generations.set(id, Math.min(generation, generations.get(id) ?? Infinity));
    parents.set(id, parent);
  };
  for (const img of relatives(all, related.of, related.relation)) {
    if (related.relation === 'children') {
      for (const c of lineage.children(img.id)) add(c.id, 1, img.id);
    } else if (related.relation === 'ancestors') {
      const line = lineage.ancestors(img.id);
      line.forEach((a, i) => add(a.id, i + 1, line[i + 1]?.id ?? null));
    } else {
      for (const d of lineage.descendantIds(img.id)) add(d.id, d.generation, d.parentId);
    }
  }
  return { generations, parents };
}

/**
 * Images matching the query, sorted by name then newest version first; with a lineage filter,
 * nearest generation first (an -AncestorOf list reads from the parent to the OS image).
 */
export function getImages(ctx: StoreContext, q: ImageQuery = {}): InstalledImage[] {
  return ctx.store.read(() => {
    const { selected, all, related } = select(ctx, q);
    return withParents(ctx, selected, all, related?.parents);
  });
}

/** The images getImages lists, in its order, without their parents: what removal and New-Container select from. */
export function matchImages(ctx: StoreContext, q: ImageQuery = {}): ImageRecord[] {
  return ctx.store.read(() => select(ctx, q).selected);
}

/**
 * The query's images: names (and lineage) are matched on every image's id and name, whole
 * records read only for those, then publisher and version matched. `all`: every installed image was.
 */
function select(ctx: StoreContext, q: ImageQuery): { selected: ImageRecord[]; all: boolean; related?: Related } {
  const { images } = ctx.store;
  const names = images.names();
  const related = lineageFilter(ctx, names, q.related);
  const generations = related?.generations;
  const name = matcher(q.names);
  const named = names.filter((img) => (generations === undefined || generations.has(img.id)) && name(img.name));
  const records = named.length === names.length ? images.all() : named.length > 0 ? images.byIds(named.map((i) => i.id)) : [];
  const [publisher, { version }] = [matcher(q.publisher === undefined ? undefined : [stripCN(q.publisher)]), q];
  const selected = records.filter(
    (img) => publisher(img.publisher ?? '') && (version === undefined || (img.version !== null && versionsEqual(parseVersion(img.version), version))),
  );
  const order = listingOrder(selected);
  const generation = (img: ImageRecord) => generations?.get(img.id) ?? 0;
  selected.sort((a, b) => generation(a) - generation(b) || order(a, b));
  return { selected, all: selected.length === names.length, related };
}

/**
 * By name (case-insensitive), then newest version first, then install order, for `images`
 * (the comparator knows those only). Names are ranked once, each distinct name compared by the
 * collator while sorting them, and versions parsed once: sorting 10,000 images then compares numbers.
 */
export function listingOrder(images: ImageRecord[]): (a: ImageRecord, b: ImageRecord) => number {
  // One image or none is never compared, and a collator costs milliseconds to make (ICU's data).
  if (images.length < 2) return () => 0;
  const collator = new Intl.Collator('en', { sensitivity: 'base' });
  const names = [...new Set(images.map((i) => i.name))].sort(collator.compare);
  const rank = new Map<string, number>();
  // Names the collator holds equal ('web' and 'Web') share a rank.
  names.forEach((n, i) => rank.set(n, i > 0 && collator.compare(names[i - 1]!, n) === 0 ? rank.get(names[i - 1]!)! : i));
  const versions = new Map(images.map((i) => [i.id, i.version ? tryParseVersion(i.version) : undefined]));
  return (a, b) => {
    const byName = rank.get(a.name)! - rank.get(b.name)!;
    if (byName !== 0) return byName;
    const [va, vb] = [versions.get(a.id), versions.get(b.id)];
    if (va && vb) return compareVersions(vb, va) || a.id - b.id;
    return Number(!va) - Number(!vb) || a.id - b.id;
  };
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
export function selectImages(ctx: StoreContext, selectors: ImageSelector[]): ImageRecord[] {
  const all = ctx.store.images.all();
  const out = new Map<number, ImageRecord>();
  for (const sel of selectors) {
    const found =
      sel.by === 'manifest'
        ? all.filter((i) => i.repository === sel.repository && i.manifestDigest === sel.digest)
        : sel.by === 'id'
          ? all.filter((i) => i.configDigest === sel.id)
          : matchImages(ctx, { names: [sel.name], publisher: sel.publisher, version: sel.version });
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
export function selectByQuery(ctx: StoreContext, q: ImageQuery & { names: string[] }): ImageRecord[] {
  const found = matchImages(ctx, q);
  if (found.length === 0) {
    throw notFound(`no installed image matches '${q.names.join("', '")}'`, { code: 'IMAGE_NOT_FOUND', hint: 'list the installed images to see their names' });
  }
  return found;
}
