/** Registering, listing and unregistering the named registries images are found and installed from. */
import { notFound, usage } from '../errors.js';
import { hasUserinfo, redactUrl } from '../redact.js';
import type { SourceRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { matchesAny } from './wildcard.js';

export interface SourceInput {
  name: string;
  location: string;
  namespace?: string;
  publisher?: string;
  insecure?: boolean;
  /** Registry root URLs tried in order before the location (pull-through caches). */
  mirrors?: string[];
}

/**
 * Checks a source location (or a mirror, `what` saying which): an http(s) URL with a host and
 * nothing after the path. Returns it as `scheme://host[:port]`. Messages quote it redacted, and
 * credentials in it are refused rather than stored: they belong in the docker config.
 */
export function parseLocation(location: string, insecure: boolean, what: 'location' | 'mirror' = 'location'): string {
  const redacted = redactUrl(location);
  const shown = `${what} '${redacted}'`;
  // Before parsing: a password holding '/', '?' or '#' makes URL read it as the host or path.
  if (hasUserinfo(location)) {
    const host = redacted.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] || '<host>';
    throw usage(`${shown} must not carry credentials (user:password@)`, {
      code: 'LOCATION_CREDENTIALS',
      hint: `Give the URL without them and put them in the docker config (docker login ${host})`,
    });
  }
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw usage(`${shown} is not a valid URL`, { code: 'LOCATION_INVALID', hint: 'Give it as https://host[:port]' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usage(`${shown} must use https (or http for an insecure source)`, { code: 'LOCATION_INVALID' });
  }
  if (url.protocol === 'http:' && !insecure) {
    throw usage(`${shown} uses plain http`, { code: 'LOCATION_INSECURE', hint: 'use https, or register the source as insecure to allow http' });
  }
  if (url.search || url.hash) {
    throw usage(`${shown} must not carry a query or a fragment`, { code: 'LOCATION_INVALID', hint: 'Give it as https://host[:port]' });
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw usage(`${shown} must be the registry's root URL`, { code: 'LOCATION_NOT_ROOT', hint: "put a repository prefix in the source's namespace" });
  }
  return `${url.protocol}//${url.host}`;
}

/** Checks each mirror as a location; a repeated mirror, or one that is the location itself, is refused. */
function parseMirrors(mirrors: string[], location: string, insecure: boolean): string[] {
  const seen = new Set<string>([location]);
  return mirrors.map((m) => {
    const url = parseLocation(m, insecure, 'mirror');
    if (url === location) throw usage(`mirror '${url}' is the source's own location`, { code: 'MIRROR_INVALID', hint: 'List only other registries as mirrors' });
    if (seen.has(url)) throw usage(`mirror '${url}' is given more than once`, { code: 'MIRROR_INVALID' });
    seen.add(url);
    return url;
  });
}

const NAMESPACE_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function registerSource(ctx: OpsContext, input: SourceInput): SourceRecord {
  const insecure = input.insecure ?? false;
  const location = parseLocation(input.location, insecure);
  const mirrors = parseMirrors(input.mirrors ?? [], location, insecure);
  const namespace = input.namespace?.replace(/^\/+|\/+$/g, '') || null;
  if (namespace !== null && !NAMESPACE_RE.test(namespace)) {
    throw usage(`namespace '${input.namespace}' is not a valid repository path (lower-case letters, digits, separators)`, { code: 'NAMESPACE_INVALID' });
  }
  const publisher = input.publisher?.replace(/^CN=/i, '') || null;
  const added = ctx.store.sources.add({ name: input.name, location, namespace, publisher, insecure, mirrors }, ctx.now().toISOString());
  if (!added) {
    throw usage(`a source named '${input.name}' is already registered`, { code: 'SOURCE_EXISTS', hint: 'unregister it first or pick another name' });
  }
  return added;
}

export function getSources(ctx: OpsContext, names?: string[]): SourceRecord[] {
  const found = ctx.store.sources.list().filter((s) => matchesAny(s.name, names));
  if (names?.length && found.length === 0) throw notFound(`no source matches '${names.join("', '")}'`, { code: 'SOURCE_NOT_FOUND' });
  return found;
}

/** The source registered under this name; not found otherwise. */
export function sourceNamed(ctx: OpsContext, name: string): SourceRecord {
  const src = ctx.store.sources.byName(name);
  if (!src) throw notFound(`no source named '${name}'`, { code: 'SOURCE_NOT_FOUND', hint: 'list the registered sources to see their names' });
  return src;
}

export function unregisterSource(ctx: OpsContext, name: string): SourceRecord {
  const src = sourceNamed(ctx, name);
  ctx.store.sources.remove(src.id);
  return src;
}
