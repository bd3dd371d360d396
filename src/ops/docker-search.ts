/**
 * `docker search TERM` over the registered sources' catalogs (a registry has no search API that
 * docker-registry or most private registries offer; docker's is Docker Hub's v1 API). A term
 * `host[:port]/text` searches the sources on that registry, any other term every source; a
 * repository matches when its name holds the text (case-insensitive). Each result is described
 * by the `org.opencontainers.image.description` annotation of its `latest` tag, else of its
 * newest version, else of its first tag. No registry keeps stars or marks images official or
 * automated: every result has 0 and neither.
 */
import { notFound, usage } from '../errors.js';
import { parseManifest } from '../image/manifest.js';
import { isRegistryHost } from '../image/reference.js';
import { compareVersions, tryParseVersion } from '../image/version.js';
import type { SourceRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import type { DockerSearchRow } from './docker-images.js';
import { clientFor, DESCRIPTION, sourcesFor } from './find.js';

export interface SearchQuery {
  term: string;
  /** Results at most (docker's --limit, 1 to 100). */
  limit: number;
  /** `--filter` values: `stars=N`, `is-official=true|false`, `is-automated=true|false`. */
  filters: readonly string[];
}

const FILTERS = ['stars', 'is-official', 'is-automated'];

export async function dockerSearch(ctx: OpsContext, q: SearchQuery): Promise<DockerSearchRow[]> {
  if (!(Number.isInteger(q.limit) && q.limit >= 1 && q.limit <= 100)) throw usage(`limit ${q.limit} is outside the range of [1, 100]`);
  const keep = searchFilter(q.filters);
  const slash = q.term.indexOf('/');
  const host = slash > 0 && isRegistryHost(q.term.slice(0, slash)) && /[.:]|^localhost$/.test(q.term.slice(0, slash)) ? q.term.slice(0, slash) : undefined;
  const text = (host ? q.term.slice(slash + 1) : q.term).toLowerCase();
  const sources = sourcesFor(ctx).filter((s) => host === undefined || new URL(s.location).host === host);
  if (sources.length === 0) {
    throw notFound(`no registered source is on ${host}`, { code: 'SOURCE_NOT_FOUND', hint: `register a source for ${host}: its scheme is the source's to say` });
  }
  const rows: DockerSearchRow[] = [];
  for (const source of sources) {
    for (const row of await searchSource(ctx, source, text)) {
      if (rows.length >= q.limit) return rows;
      if (keep(row)) rows.push(row);
    }
  }
  return rows;
}

async function searchSource(ctx: OpsContext, source: SourceRecord, text: string): Promise<DockerSearchRow[]> {
  const client = await clientFor(ctx, source);
  const prefix = source.namespace ? `${source.namespace}/` : '';
  const host = new URL(source.location).host;
  const repos = (await client.catalog()).filter((r) => r.startsWith(prefix) && r.toLowerCase().includes(text)).sort();
  const rows: DockerSearchRow[] = [];
  for (const repo of repos) {
    const tags = await client.tags(repo);
    const versions = tags.filter((t) => tryParseVersion(t)).sort((a, b) => compareVersions(tryParseVersion(b)!, tryParseVersion(a)!));
    const tag = tags.includes('latest') ? 'latest' : (versions[0] ?? tags[0]);
    let description = '';
    if (tag !== undefined) {
      const m = await client.manifest(repo, tag);
      description = parseManifest(m.bytes, m.mediaType).annotations[DESCRIPTION] ?? '';
    }
    rows.push({ name: `${host}/${repo}`, description, stars: 0, official: false, automated: false });
  }
  return rows;
}

/** docker's search filters as a predicate; an unknown key or a bad value is refused as docker refuses it. */
function searchFilter(filters: readonly string[]): (row: DockerSearchRow) => boolean {
  const tests: Array<(row: DockerSearchRow) => boolean> = [];
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw usage(`bad format of filter '${f}' (expected name=value)`);
    const key = f.slice(0, eq).trim().toLowerCase();
    const value = f.slice(eq + 1).trim();
    if (!FILTERS.includes(key)) throw usage(`invalid filter '${key}'`, { hint: `the filters are ${FILTERS.join(', ')}` });
    if (key === 'stars') {
      const n = Number(value);
      if (value === '' || !Number.isInteger(n)) throw usage(`invalid filter 'stars=${value}'`);
      tests.push((r) => r.stars >= n);
    } else {
      if (value !== 'true' && value !== 'false') throw usage(`invalid filter '${key}=${value}'`);
      const want = value === 'true';
      tests.push(key === 'is-official' ? (r) => r.official === want : (r) => r.automated === want);
    }
  }
  return (row) => tests.every((t) => t(row));
}
