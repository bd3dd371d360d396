/**
 * The data behind the docker-compatible views, and docker 20.10's selection of `docker images`
 * over it (moby daemon/images/images.go Images, image.go GetImage, image_history.go; docker/cli
 * cli/command/image/list.go). Pure: rows in, rows out; no store, no I/O.
 */
import { failed, notFound, usage } from '../errors.js';
import { isDigest } from '../image/digest.js';
import type { ImageConfig } from '../image/manifest.js';
import { isRegistryHost, isRepository, isTag } from '../image/reference.js';

/**
 * One reference of an installed image, as `docker images` lists them: one row per
 * repository:tag (with the manifest digest the image has in that repository, when known); a
 * repository the image has only a digest in is a row with a null tag; an image with no
 * reference at all is one row with a null repository, tag and digest.
 */
export interface DockerImageRow {
  /** Image id: the config digest, 'sha256:<64 hex>'. */
  id: string;
  /** Familiar repository name (`busybox`, `127.0.0.1:5000/app`); null shows `<none>`. */
  repository: string | null;
  /** Null shows `<none>`. */
  tag: string | null;
  /** Manifest digest; null shows `<none>`. */
  digest: string | null;
  /** RFC 3339, from the image config. */
  created: string | null;
  /** docker's SIZE: bytes of regular files plus symlink target lengths of the unpacked layers. */
  size: number;
  labels: Record<string, string>;
  /** An installed image has this one as its parent. */
  hasChildren: boolean;
}

export interface DockerHistoryRow {
  /** The image the entry made; null shows `<missing>`. */
  id: string | null;
  created: string | null;
  createdBy: string;
  size: number;
  comment: string;
}

export interface DockerSearchRow {
  name: string;
  description: string;
  stars: number;
  official: boolean;
  automated: boolean;
}

export interface DockerImagesQuery {
  /** `-a`: also untagged images that an installed image has as parent. */
  all?: boolean;
  /** `--filter` values as given: `key=value`. */
  filters?: readonly string[];
  /** The REPOSITORY[:TAG] argument: docker adds it as one more reference filter. */
  reference?: string;
}

const FILTER_KEYS = ['dangling', 'label', 'before', 'since', 'reference'];

/**
 * The rows `docker images` would list, in the order given (the view sorts). Rows keep only
 * the references a reference filter lets through; an image keeps a row only as docker keeps
 * the image.
 */
export function selectDockerImages(rows: readonly DockerImageRow[], query: DockerImagesQuery = {}): DockerImageRow[] {
  const filters = parseFilters(query.filters ?? []);
  if (query.reference) add(filters, 'reference', query.reference);
  const unknown = [...filters.keys()].find((k) => !FILTER_KEYS.includes(k));
  if (unknown !== undefined) throw usage(`invalid filter '${unknown}'`, { hint: `the filters are ${FILTER_KEYS.join(', ')}` });

  const dangling = filters.get('dangling');
  const danglingOnly = dangling?.has('true') ?? false;
  if (dangling && !danglingOnly && !dangling.has('false')) {
    throw usage(`invalid filter 'dangling=${[...dangling].join(',')}': it is true or false`);
  }
  const patterns = [...(filters.get('reference') ?? [])];
  for (const p of patterns) parseGlob(p);
  const before = bound(filters, 'before', rows);
  const since = bound(filters, 'since', rows);
  const labels = [...(filters.get('label') ?? [])];

  const out: DockerImageRow[] = [];
  for (const image of groupById(rows)) {
    const top = image[0]!;
    // dangling=true lists only images no other image has as parent (the store's heads).
    if (danglingOnly && image.some((r) => r.hasChildren)) continue;
    const created = parseGoTime(top.created);
    if (before && compareTimes(created, before) >= 0) continue;
    if (since && compareTimes(created, since) <= 0) continue;
    if (labels.length > 0 && !matchLabels(labels, top.labels)) continue;

    const kept = image.flatMap((r) => keptReferences(r, patterns));
    if (kept.length === 0) {
      if (!query.all && image.some((r) => r.hasChildren)) continue;
      if ((dangling && !danglingOnly) || patterns.length > 0) continue;
      out.push({ ...top, repository: null, tag: null, digest: null });
    } else if (!danglingOnly || kept.every((r) => r.tag === null)) {
      out.push(...kept);
    }
  }
  return out;
}

/** docker's --filter parsing (opts.FilterOpt): `key=value`, key lower-cased, both trimmed; a set of values per key. */
function parseFilters(values: readonly string[]): Map<string, Set<string>> {
  const filters = new Map<string, Set<string>>();
  for (const raw of values) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    if (eq < 0) throw usage(`bad format of filter '${raw}' (expected name=value)`);
    add(filters, trimSpace(raw.slice(0, eq)).toLowerCase(), trimSpace(raw.slice(eq + 1)));
  }
  return filters;
}

function add(filters: Map<string, Set<string>>, key: string, value: string): void {
  const values = filters.get(key) ?? new Set<string>();
  values.add(value);
  filters.set(key, values);
}

const trimSpace = (s: string) => s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');

function groupById(rows: readonly DockerImageRow[]): DockerImageRow[][] {
  const images = new Map<string, DockerImageRow[]>();
  for (const r of rows) {
    const list = images.get(r.id);
    if (list) list.push(r);
    else images.set(r.id, [r]);
  }
  return [...images.values()];
}

/**
 * The row with only the references that match a pattern (all of them when there is none):
 * docker matches each reference, `repo:tag` or `repo@digest`, and then its repository alone.
 * Nothing when neither the tag nor the digest is left, or the row had none (an untagged image).
 */
function keptReferences(row: DockerImageRow, patterns: readonly string[]): DockerImageRow[] {
  const repo = row.repository;
  if (repo === null) return [];
  const matches = (ref: string) => patterns.length === 0 || patterns.some((p) => pathMatch(p, ref) || pathMatch(p, repo));
  const tag = row.tag !== null && matches(`${repo}:${row.tag}`) ? row.tag : null;
  const digest = row.digest !== null && matches(`${repo}@${row.digest}`) ? row.digest : null;
  return tag === null && digest === null ? [] : [{ ...row, tag, digest }];
}

/** filters.MatchKVList: every `key` present, every `key=value` equal; an image without labels matches nothing. */
function matchLabels(wanted: readonly string[], labels: Record<string, string>): boolean {
  if (Object.keys(labels).length === 0) return false;
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    if (!Object.hasOwn(labels, key)) return false;
    return eq < 0 || labels[key] === w.slice(eq + 1);
  });
}

// ---------------------------------------------------------------------------------------
// before= and since=: an image named as docker's GetImage names it.

function bound(filters: Map<string, Set<string>>, key: string, rows: readonly DockerImageRow[]): GoTime | undefined {
  const values = [...(filters.get(key) ?? [])];
  // docker resolves every value and keeps one at random (map order): here the last given.
  const ids = values.map((v) => resolveImage(v, key, rows));
  const id = ids[ids.length - 1];
  if (id === undefined) return undefined;
  return parseGoTime(rows.find((r) => r.id === id)!.created) ?? ZERO;
}

function resolveImage(value: string, key: string, rows: readonly DockerImageRow[]): string {
  const id = findDockerImage(value, rows, `${key} filter`);
  if (id === undefined) throw notFound(`No such image: ${value}`, { code: 'IMAGE_NOT_FOUND', hint: 'list the images to see their names and ids' });
  return id;
}

/**
 * The id of the image `value` names, as docker's GetImage finds it: a full id (64 hex, or
 * sha256:<64 hex>), a reference (`name`, `name:tag`, `name@digest`; `latest` when no tag), or
 * else a unique id prefix; undefined when none. `what` names the argument in a usage error, if
 * the command's name does not.
 */
export function findDockerImage(value: string, rows: readonly DockerImageRow[], what?: string): string | undefined {
  const full = /^[a-f0-9]{64}$/.test(value) ? `sha256:${value}` : isDigest(value) ? value : undefined;
  if (full !== undefined) return rows.some((r) => r.id === full) ? full : undefined;
  if (!parseFamiliar(value)) throw usage(`${what ? `${what}: ` : ''}'${value}' is neither an image id nor a valid image reference`);
  const byRef = findReference(value, rows);
  if (byRef) return byRef.id;
  if (!value.includes(':')) {
    const ids = new Set(rows.filter((r) => r.id.slice('sha256:'.length).startsWith(value)).map((r) => r.id));
    // An ambiguous prefix names no image, as in docker.
    if (ids.size === 1) return [...ids][0]!;
  }
  return undefined;
}

/**
 * The row a reference names, compared as docker compares references (`busybox` is
 * `docker.io/library/busybox:latest`): by its tag, or with `@digest` by its digest; undefined
 * when `value` is no reference (an id) or names no row.
 */
export function findReference(value: string, rows: readonly DockerImageRow[]): DockerImageRow | undefined {
  if (/^(sha256:)?[a-f0-9]{64}$/.test(value)) return undefined;
  const ref = parseFamiliar(value);
  if (!ref) return undefined;
  return rows.find((r) => r.repository === ref.name && (ref.digest ? r.digest === ref.digest : r.tag === (ref.tag ?? 'latest')));
}

/**
 * A reference as docker's ParseNormalizedNamed reads it, with its name in the familiar form the
 * rows use (`docker.io/library/x` is `x`, `docker.io/u/x` is `u/x`); undefined when not valid.
 */
function parseFamiliar(value: string): { name: string; tag?: string; digest?: string } | undefined {
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) return undefined;
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let domain = 'docker.io';
  let path = rest;
  if (/[.:]/.test(first) || first === 'localhost') {
    domain = first === 'index.docker.io' ? 'docker.io' : first;
    path = rest.slice(slash + 1);
    if (!isRegistryHost(domain)) return undefined;
  }
  if (!isRepository(path)) return undefined;
  const name = domain !== 'docker.io' ? `${domain}/${path}` : path.startsWith('library/') && path.split('/').length === 2 ? path.slice('library/'.length) : path;
  return { name, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

// ---------------------------------------------------------------------------------------
// Times, as Go's time.Time holds them.

/** An instant: whole seconds since the epoch (rounded down) and nanoseconds within the second. */
export interface GoTime {
  seconds: number;
  nanos: number;
}

/** Go's zero time, 0001-01-01T00:00:00Z: what an image without a creation time has. */
const ZERO: GoTime = { seconds: -62_135_596_800, nanos: 0 };

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time as Go's time.Parse(time.RFC3339) reads it (how an image config's `created`
 * is decoded; fractional seconds past the ninth digit ignored); null when absent or not valid,
 * which docker holds as the zero time.
 */
export function parseGoTime(text: string | null | undefined): GoTime | null {
  const m = RFC3339.exec(text ?? '');
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (m[8] !== 'Z') {
    const [h, mm] = m[8]!.slice(1).split(':').map(Number) as [number, number];
    if (h > 23 || mm > 59) return null;
    offset = (m[8]![0] === '-' ? -1 : 1) * (h * 3600 + mm * 60);
  }
  const civil = new Date(0);
  civil.setUTCFullYear(year, month - 1, day);
  civil.setUTCHours(hour, minute, second, 0);
  return { seconds: civil.getTime() / 1000 - offset, nanos: Number((m[7] ?? '').slice(0, 9).padEnd(9, '0')) };
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function compareTimes(a: GoTime | null, b: GoTime): number {
  const t = a ?? ZERO;
  return t.seconds - b.seconds || t.nanos - b.nanos;
}

// ---------------------------------------------------------------------------------------
// reference=: Go's path.Match.

type GlobToken = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; char: string } | { kind: 'class'; negated: boolean; ranges: [number, number][] };

/**
 * A pattern of Go's path.Match: `*` any run of characters but '/', `?` one character but '/',
 * `[...]`/`[^...]` a class of characters and ranges, `\` quoting the next character. A malformed
 * pattern is a usage error (docker's daemon answers "syntax error in pattern").
 */
function parseGlob(pattern: string): GlobToken[] {
  const bad = () => usage(`invalid reference filter '${pattern}': syntax error in pattern`, { hint: 'use * ? [a-z] and \\ as Go path.Match does' });
  const chars = [...pattern];
  const tokens: GlobToken[] = [];
  const escaped = (i: number): [string, number] => {
    if (chars[i] === '\\') i++;
    if (i >= chars.length) throw bad();
    return [chars[i]!, i + 1];
  };
  for (let i = 0; i < chars.length; ) {
    const c = chars[i]!;
    if (c === '*') {
      tokens.push({ kind: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
      i++;
    } else if (c === '[') {
      i++;
      const negated = chars[i] === '^';
      if (negated) i++;
      const ranges: [number, number][] = [];
      while (!(chars[i] === ']' && ranges.length > 0)) {
        // A class character is never a bare '-' or ']', and the class must be closed.
        if (i >= chars.length || chars[i] === '-' || chars[i] === ']') throw bad();
        let lo: string;
        [lo, i] = escaped(i);
        let hi = lo;
        if (chars[i] === '-') {
          if (i + 1 >= chars.length || chars[i + 1] === '-' || chars[i + 1] === ']') throw bad();
          [hi, i] = escaped(i + 1);
        }
        if (i >= chars.length) throw bad();
        ranges.push([lo.codePointAt(0)!, hi.codePointAt(0)!]);
      }
      tokens.push({ kind: 'class', negated, ranges });
      i++;
    } else {
      let char: string;
      [char, i] = escaped(i);
      tokens.push({ kind: 'char', char });
    }
  }
  return tokens;
}

/** Go's path.Match(pattern, name); a malformed pattern is a usage error. */
export function pathMatch(pattern: string, name: string): boolean {
  const tokens = parseGlob(pattern);
  const chars = [...name];
  // matchFrom(t, n): do tokens[t..] match chars[n..]? Memoized over (t, n).
  const seen = new Map<number, boolean>();
  const matchFrom = (t: number, n: number): boolean => {
    const key = t * (chars.length + 1) + n;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const token = tokens[t];
    if (!token) result = n === chars.length;
    else if (token.kind === 'star') result = matchFrom(t + 1, n) || (n < chars.length && chars[n] !== '/' && matchFrom(t, n + 1));
    else if (n >= chars.length) result = false;
    else result = matchesOne(token, chars[n]!) && matchFrom(t + 1, n + 1);
    seen.set(key, result);
    return result;
  };
  return matchFrom(0, 0);
}

function matchesOne(token: Exclude<GlobToken, { kind: 'star' }>, ch: string): boolean {
  switch (token.kind) {
    case 'any':
      return ch !== '/';
    case 'char':
      return ch === token.char;
    case 'class': {
      const cp = ch.codePointAt(0)!;
      return token.ranges.some(([lo, hi]) => lo <= cp && cp <= hi) !== token.negated;
    }
  }
}

// ---------------------------------------------------------------------------------------
// History

/**
 * `docker history` rows from an image config (moby image_history.go): one per history entry,
 * newest first; an entry that made a layer takes the next of `layerSizes` (the layers' sizes
 * in order, as docker's DiffSize), an `empty_layer` one has size 0. The newest row carries the
 * image id, the older ones `<missing>` (null). A config without history has no rows, as in
 * docker. More layer-making entries than layers is an error, as in docker.
 */
export function historyRows(config: Pick<ImageConfig, 'history'>, layerSizes: readonly number[], imageId: string): DockerHistoryRow[] {
  let layer = 0;
  const rows: DockerHistoryRow[] = [];
  for (const entry of config.history ?? []) {
    let size = 0;
    if (!entry.emptyLayer) {
      if (layer >= layerSizes.length) {
        throw failed(`the image config's history names more layers than the image has (${layerSizes.length})`, { code: 'CONFIG_INVALID' });
      }
      size = layerSizes[layer++]!;
    }
    rows.unshift({ id: null, created: entry.created ?? null, createdBy: entry.createdBy ?? '', size, comment: entry.comment ?? '' });
  }
  if (rows.length > 0) rows[0]!.id = imageId;
  return rows;
}
