/**
 * Image references `host[:port]/repo/path[:tag][@sha256:...]`, with the grammar of the
 * distribution spec. The first path component is a registry host only if it contains '.' or
 * ':', is 'localhost', or has upper-case letters (docker's rule); a reference without one is
 * a usage error unless the caller names a default registry.
 */
import { failed, usage } from '../errors.js';
import { redactUrl } from '../redact.js';
import { isDigest, type Digest } from './digest.js';

export interface Reference {
  /** host[:port], e.g. `127.0.0.1:5000` or `mcr.microsoft.com`. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::\\d{1,5})?$`);
/** The distribution spec caps a repository name (with its host) at 255 characters. */
const MAX_NAME = 255;

export function isRepository(s: string): boolean {
  return REPOSITORY_RE.test(s) && s.length <= MAX_NAME;
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

export function isRegistryHost(s: string): boolean {
  return HOST_RE.test(s);
}

/**
 * Parses a reference. A bad one is a usage error, or, when `from` names where it came from
 * (e.g. an image's annotation), a failure of that image: the user did not write it. Messages
 * quote the input redacted; a reference carrying credentials is refused without showing them.
 */
export function parseReference(input: string, defaultRegistry?: string, from?: string): Reference {
  const quoted = `'${redactUrl(input)}'`;
  const bad = (why: string) =>
    from === undefined ? usage(`invalid image reference ${quoted}: ${why}`) : failed(`${from} is not a valid image reference (${quoted}: ${why})`, { code: 'MANIFEST_INVALID' });
  let rest = input.trim();
  if (redactUrl(rest) !== rest) {
    if (from !== undefined) throw bad('it carries credentials or a query');
    throw usage(`invalid image reference ${quoted}: it must not carry credentials (user:password@) or a query`, {
      hint: 'Put credentials in the docker config (docker login <host>)',
    });
  }
  let digest: Digest | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw bad('the digest must be sha256:<64 lowercase hex digits>');
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) throw bad(`tag '${tag}' must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'`);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasHost = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
  let registry: string;
  let repository: string;
  if (hasHost) {
    registry = first;
    repository = rest.slice(slash + 1);
    if (!isRegistryHost(registry)) throw bad(`'${registry}' is not a valid registry host`);
  } else if (defaultRegistry !== undefined) {
    registry = defaultRegistry;
    repository = rest;
  } else {
    throw bad('it names no registry; write it as host[:port]/repository[:tag]');
  }
  if (!REPOSITORY_RE.test(repository)) {
    throw bad(`repository '${repository}' must be lower-case components of [a-z0-9] joined by '/', '.', '_', '__' or '-'`);
  }
  if (registry.length + 1 + repository.length > MAX_NAME) throw bad(`the name is longer than ${MAX_NAME} characters`);
  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest && { digest }) };
}

export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
