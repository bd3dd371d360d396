/**
 * Installed images with their lineage, and selecting them by name, by selector or by their
 * place in the lineage. Lineage is the store's answer (store/lineage.ts), never computed here.
 */
import { notFound, type CtrimgError } from '../errors.js';
import { compareVersions, parseVersion, tryParseVersion, versionsEqual, type Version } from '../image/version.js';
import type { ImageQueries, ImageRecord, ImageSummary, NamedImage } from '../../store/index.js';
import type { StoreContext } from './store-context.js';
import { nameComparer } from './name-collation.js';
import { literalPrefix, wildcardRegExp } from './wildcard.js';

export interface InstalledImage<R extends ImageSummary = ImageRecord> {
  image: R;
  parent: R | null;
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

/** How the images' records are read: whole, or their summaries alone (store/images.ts). */
interface Reader<R extends ImageSummary> {
  all(): R[];
  byIds(ids: readonly number[]): R[];
  /** The images a lineage filter found, of which the lineage queries gave at least the summaries. */
  among(found: Map<number, ImageSummary>): R[];
}

const records = ({ store }: StoreContext): Reader<ImageRecord> => ({
  all: () => store.images.all(),
  byIds: (ids) => store.images.byIds(ids),
  among: (found) => store.images.byIds([...found.keys()]),
});
const summaries = ({ store }: StoreContext): Reader<ImageSummary> => ({
  all: () => store.images.summaries(),
  byIds: (ids) => store.images.summaries(ids),
  among: (found) => [...found.values()],
});

/**
 * The images with their parents: each row carries its parent's id (store/parents.ts keeps it),
 * and the parents not among the images are read by id.
 */
function withParents<R extends ImageSummary>(read: Reader<R>, images: R[]): InstalledImage<R>[] {
  // Loops, not arrays mapped: a listing of every image makes these of 10,000.
  const known = new Map<number, R>();
  for (const i of images) known.set(i.id, i);
  const missing = new Set<number>();
  for (const i of images) if (i.parentId !== null && !known.has(i.parentId)) missing.add(i.parentId);
  for (const p of missing.size > 0 ? read.byIds([...missing]) : []) known.set(p.id, p);
  return images.map((image) => {
    const parent = (image.parentId !== null && known.get(image.parentId)) || null;
    return { image, parent, isOSImage: parent === null };
  });
}

/** The given images with their lineage against everything installed now (those no longer installed left out). */
export function lineageOf(ctx: StoreContext, images: { id: number }[]): InstalledImage[] {
  return ctx.store.read(() => {
    const found = new Map(ctx.store.images.byIds(images.map((i) => i.id)).map((i) => [i.id, i]));
    const inOrder = images.map((i) => found.get(i.id)).filter((x): x is ImageRecord => x !== undefined);
    return withParents(records(ctx), inOrder);
  });
}

const stripCN = (p: string) => p.replace(/^CN=/i, '');

/** A matcher for any of the wildcard patterns, compiled once; no patterns matches everything. */
function matcher(patterns: readonly string[] | undefined): (name: string) => boolean {
  if (!patterns || patterns.length === 0) return () => true;
  const res = patterns.map(wildcardRegExp);
  return (name) => res.some((re) => re.test(name));
}

/**
 * What the store is asked for to match names against `patterns`: when each begins with printable
 * ASCII text before its first wildcard, the images whose names begin so, found in the index on
 * names (NOCASE folds ASCII letters as the matcher does, and a regular expression without the `u`
 * flag never matches a character beyond ASCII to one within it); else every image's name. The
 * matcher still decides. `everyName`: every installed image's name was read.
 */
function candidates(images: ImageQueries, patterns: readonly string[]): { named: NamedImage[]; everyName: boolean } {
  // Printable ASCII only: SQLite's NOCASE stops comparing at a NUL, and folds nothing beyond ASCII.
  const prefixes = new Set(patterns.map((p) => /^[\x20-\x7e]*/.exec(literalPrefix(p))![0]));
  if (prefixes.has('')) return { named: images.names(), everyName: true };
  const found = new Map<number, NamedImage>();
  for (const prefix of prefixes) for (const img of images.namesStartingWith(prefix)) found.set(img.id, img);
  return { named: [...found.values()], everyName: false };
}

/** Images whose name matches `pattern`; none is IMAGE_NOT_FOUND, naming what they were asked for as. */
function relatives(images: ImageQueries, pattern: string, role: string): NamedImage[] {
  const match = matcher([pattern]);
  const found = candidates(images, [pattern]).named.filter((img) => match(img.name));
  if (found.length === 0) {
    throw notFound(`no installed image matches '${pattern}', the image whose ${role} were asked for`, { code: 'IMAGE_NOT_FOUND', hint: 'list the installed images to see their names' });
  }
  return found;
}

/** What a lineage filter found: the images it allows, each with its generation. */
interface Related {
  /** Each image (its summary at least) by id. */
  found: Map<number, ImageSummary>;
  /** 1: a child or the parent; 2: a grandchild or grandparent; ... */
  generations: Map<number, number>;
}

/** The images the lineage filter allows, or undefined when none was asked for. */
function lineageFilter(ctx: StoreContext, related: ImageQuery['related']): Related | undefined {
  if (!related) return undefined;
  const { lineage } = ctx.store;
  const found = new Map<number, ImageSummary>();
  const generations = new Map<number, number>();
  const add = (image: ImageSummary, generation: number) => {
    found.set(image.id, image);
    generations.set(image.id, Math.min(generation, generations.get(image.id) ?? Infinity));
  };
  const starts = relatives(ctx.store.images, related.of, related.relation);
  if (related.relation === 'descendants') {
    // Below every image named, in one walk.
    for (const d of lineage.descendantSummaries(starts.map((img) => img.id))) add(d, d.generation);
  } else {
    for (const img of starts) {
      if (related.relation === 'children') {
        for (const c of lineage.children(img.id)) add(c, 1);
      } else {
        lineage.ancestors(img.id).forEach((a, i) => add(a, i + 1));
      }
    }
  }
  return { found, generations };
}

/**
 * Images matching the query, sorted by name then newest version first; with a lineage filter,
 * nearest generation first (an -AncestorOf list reads from the parent to the OS image).
 */
export function getImages(ctx: StoreContext, q: ImageQuery = {}): InstalledImage[] {
  return installed(ctx, q, records(ctx));
}

/** What getImages lists, with each image's and parent's summary alone: enough for a table of the default columns. */
export function getImageSummaries(ctx: StoreContext, q: ImageQuery = {}): InstalledImage<ImageSummary>[] {
  return installed(ctx, q, summaries(ctx));
}

function installed<R extends ImageSummary>(ctx: StoreContext, q: ImageQuery, read: Reader<R>): InstalledImage<R>[] {
  return ctx.store.read(() => withParents(read, select(ctx, q, read)));
}

/** The images getImages lists, in its order, without their parents: what removal and New-Container select from. */
export function matchImages(ctx: StoreContext, q: ImageQuery = {}): ImageRecord[] {
  return ctx.store.read(() => select(ctx, q, records(ctx)));
}

/**
 * The query's images: with a lineage filter, the images it found (their summaries came with
 * them; whole records are read by id); else names are matched on the candidates' ids and names,
 * records read only for those. Then names, publisher and version are matched on the records.
 */
function select<R extends ImageSummary>(ctx: StoreContext, q: ImageQuery, read: Reader<R>): R[] {
  const { images } = ctx.store;
  const related = lineageFilter(ctx, q.related);
  const generations = related?.generations;
  const name = matcher(q.names);
  let found: R[];
  if (related) {
    found = related.found.size > 0 ? read.among(related.found) : [];
  } else if (!q.names?.length) {
    // Every image: no name to match, so none is read apart from the records.
    found = read.all();
  } else {
    const pool = candidates(images, q.names);
    const named = pool.named.filter((img) => name(img.name));
    // Every image named (the prefixes found them all): read as every image is, in one scan, not by id.
    const every = named.length === pool.named.length && (pool.everyName || named.length === images.count());
    found = every ? read.all() : named.length > 0 ? read.byIds(named.map((i) => i.id)) : [];
  }
  const publisher = matcher(q.publisher === undefined ? undefined : [stripCN(q.publisher)]);
  const { version } = q;
  const selected = found.filter(
    (img) =>
      name(img.name) &&
      publisher(img.publisher ?? '') &&
      (version === undefined || (img.version !== null && versionsEqual(parseVersion(img.version), version))),
  );
  const order = listingOrder(selected);
  const generation = (img: R) => generations?.get(img.id) ?? 0;
  selected.sort((a, b) => generation(a) - generation(b) || order(a, b));
  return selected;
}

/**
 * By name (case-insensitive), then newest version first, then install order, for `images`
 * (the comparator knows those only). Names are ranked once, each distinct name compared as the
 * collator compares them (name-collation.ts) while sorting them, and the versions of names that
 * several images share parsed once: sorting 10,000 images then compares numbers.
 */
export function listingOrder(images: readonly ImageSummary[]): (a: ImageSummary, b: ImageSummary) => number {
  // One image or none is never compared, and a collator costs milliseconds to make (ICU's data).
  if (images.length < 2) return () => 0;
  const distinct = new Set(images.map((i) => i.name));
  const compare = nameComparer(distinct);
  const names = [...distinct].sort(compare);
  const rank = new Map<string, number>();
  // Names the collator holds equal ('web' and 'Web') share a rank.
  names.forEach((n, i) => rank.set(n, i > 0 && compare(names[i - 1]!, n) === 0 ? rank.get(names[i - 1]!)! : i));
  // Versions are compared between images of one name only: parsed for those alone.
  const sharing = new Map<number, number>();
  for (const i of images) sharing.set(rank.get(i.name)!, (sharing.get(rank.get(i.name)!) ?? 0) + 1);
  const versions = new Map<number, Version | undefined>();
  for (const i of images) {
    if (sharing.get(rank.get(i.name)!)! > 1) versions.set(i.id, i.version ? tryParseVersion(i.version) : undefined);
  }
  return (a, b) => {
    const byName = rank.get(a.name)! - rank.get(b.name)!;
    if (byName !== 0) return byName;
    const va = versions.get(a.id);
    const vb = versions.get(b.id);
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

/** A selector that matched nothing, with the not-found error to write for it. */
export interface Missing<S> {
  selector: S;
  error: CtrimgError;
}

/** What selectors found, each once in the order first selected, and those that matched nothing, in their order. */
export interface Lookup<T, S> {
  found: T[];
  missing: Missing<S>[];
}

/**
 * The installed images the selectors name, each once; the selectors that match nothing are
 * returned with their errors, for objects piped in, each of which is its own operation.
 */
export function findImages(ctx: StoreContext, selectors: ImageSelector[]): Lookup<ImageRecord, ImageSelector> {
  // Every record, read once and only for selectors by manifest or id.
  let every: ImageRecord[] | undefined;
  const all = () => (every ??= ctx.store.images.all());
  const out = new Map<number, ImageRecord>();
  const missing: Missing<ImageSelector>[] = [];
  for (const sel of selectors) {
    const found =
      sel.by === 'manifest'
        ? all().filter((i) => i.repository === sel.repository && i.manifestDigest === sel.digest)
        : sel.by === 'id'
          ? all().filter((i) => i.configDigest === sel.id)
          : matchImages(ctx, { names: [sel.name], publisher: sel.publisher, version: sel.version });
    if (found.length === 0) missing.push({ selector: sel, error: notFound(`no installed image matches ${describeSelector(sel)}`, { code: 'IMAGE_NOT_FOUND' }) });
    for (const f of found) out.set(f.id, f);
  }
  return { found: [...out.values()], missing };
}

/** The installed images the selectors name, each once; a selector that matches nothing is not found. */
export function selectImages(ctx: StoreContext, selectors: ImageSelector[]): ImageRecord[] {
  const { found, missing } = findImages(ctx, selectors);
  if (missing.length > 0) throw missing[0]!.error;
  return found;
}

/** A selector as a message quotes it: `'WebApp (CN=Contoso) 1.2.0.0'`, `id sha256:…`, `repo@sha256:…`. */
export function describeSelector(sel: ImageSelector): string {
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
