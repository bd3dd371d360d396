/**
 * Finding the images the sources offer, and the name/version resolution installing by name
 * shares with it: each source's repositories under its namespace (catalog), their version tags
 * (tags/list), and a display name and description from the newest version's manifest annotations.
 */
import { failed, notFound, type CtrimgError } from '../errors.js';
import { parseManifest } from '../image/manifest.js';
import { isRepository } from '../image/reference.js';
import { compareVersions, matchesFilter, tryParseVersion, versionFilter, type Version, type VersionFilter } from '../image/version.js';
import type { RegistryClient } from '../registry/client.js';
import type { SourceRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { inParallel } from './parallel.js';
import { isWildcard, matchesAny } from './wildcard.js';

export const TITLE = 'org.opencontainers.image.title';
export const DESCRIPTION = 'org.opencontainers.image.description';

export interface FoundImage {
  name: string;
  version: Version;
  description: string | null;
  source: SourceRecord;
  /** Repository path on the source's registry, namespace included. */
  repository: string;
  tag: string;
}

export interface FindQuery {
  names?: string[];
  filter: VersionFilter;
  allVersions?: boolean;
  source?: string;
}

/** Sources to search: the named one, else all in registration order. */
export function sourcesFor(ctx: OpsContext, name?: string): SourceRecord[] {
  if (name !== undefined) {
    const s = ctx.store.sources.byName(name);
    if (!s) throw notFound(`no source named '${name}'`, { code: 'SOURCE_NOT_FOUND', hint: 'list the registered sources to see their names' });
    return [s];
  }
  const all = ctx.store.sources.list();
  if (all.length === 0) {
    throw notFound('no image sources are registered', { code: 'NO_SOURCES', hint: 'register one, with a name and the URL of its registry' });
  }
  return all;
}

export function clientFor(ctx: OpsContext, source: SourceRecord): Promise<RegistryClient> {
  return ctx.registry({ base: source.location, mirrors: source.mirrors });
}

export async function findImages(ctx: OpsContext, q: FindQuery): Promise<FoundImage[]> {
  // A contradictory filter is the caller's mistake, refused before any source is asked.
  versionFilter(q.filter);
  const sources = sourcesFor(ctx, q.source);
  const found: FoundImage[] = [];
  const errors: CtrimgError[] = [];
  for (const source of sources) {
    try {
      for (const image of await findInSource(ctx, source, q)) found.push(image);
    } catch (err) {
      // One unreachable source among several is a warning, as with Find-Package.
      if (sources.length === 1) throw err;
      ctx.report.warn(`source '${source.name}': ${(err as Error).message}`);
      errors.push(err as CtrimgError);
    }
  }
  if (errors.length === sources.length) throw failed('no source could be searched');
  return found;
}

/** Like findImages, but an exact name (not a wildcard) that matches nothing is not found. */
export async function findRequired(ctx: OpsContext, q: FindQuery): Promise<FoundImage[]> {
  const found = await findImages(ctx, q);
  if (found.length === 0 && q.names?.some((n) => !isWildcard(n))) {
    throw notFound(`no image matches '${q.names.join("', '")}' with the versions asked for`, {
      code: 'IMAGE_NOT_FOUND',
      hint: 'searching for the name * lists everything the sources offer',
    });
  }
  return found;
}

async function findInSource(ctx: OpsContext, source: SourceRecord, q: FindQuery): Promise<FoundImage[]> {
  const client = await clientFor(ctx, source);
  await client.ping();
  const prefix = source.namespace ? `${source.namespace}/` : '';
  const repos = (await client.catalog()).filter((r) => r.startsWith(prefix)).sort();
  // The registry's fault, not the user's: a failure (1), where the client's check would say usage (2).
  const invalid = repos.find((r) => !isRepository(r));
  if (invalid !== undefined) {
    throw failed(`${source.location} lists an invalid repository name '${invalid}' in its catalog`, {
      code: 'REGISTRY_ERROR',
      hint: "the registry's administrator must remove or rename it",
    });
  }
  const perRepo = await inParallel(repos, 4, ctx.signal, async (repo) => {
    const versions = (await client.tags(repo))
      .map((tag) => ({ tag, version: tryParseVersion(tag) }))
      .filter((t): t is { tag: string; version: Version } => t.version !== undefined)
      .sort((a, b) => compareVersions(b.version, a.version));
    if (versions.length === 0) return [];
    const { title, description } = await describe(client, repo, versions[0]!.tag);
    const name = title ?? repo.split('/').at(-1)!;
    if (!matchesAny(name, q.names)) return [];
    const wanted = versions.filter((v) => matchesFilter(v.version, q.filter));
    return (q.allVersions ? wanted : wanted.slice(0, 1)).map((v) => ({
      name,
      version: v.version,
      description,
      source,
      repository: repo,
      tag: v.tag,
    }));
  });
  return perRepo.flat();
}

/** Title and description annotations of a tag's manifest or index. */
async function describe(client: RegistryClient, repo: string, tag: string): Promise<{ title?: string; description: string | null }> {
  const m = await client.manifest(repo, tag);
  const annotations = parseManifest(m.bytes, m.mediaType).annotations;
  return { title: annotations[TITLE] || undefined, description: annotations[DESCRIPTION] ?? null };
}
