/**
 * The registry API ctrimg needs: ping, catalog, tags, manifests and verified blobs. The scheme
 * comes from the caller's base URL and is never guessed.
 */
import { CtrimgError, failed, isAbort, usage } from '../errors.js';
import { assertDigest, isDigest, sha256, type Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import { checkBlob, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, type BlobFetch } from '../image/source.js';
import { baseMediaType, isIndex, isManifest, MANIFEST_ACCEPT } from '../image/mediatypes.js';
import { isRepository, isTag } from '../image/reference.js';
import { Authenticator, type CredentialsProvider, type RegistryCredentials } from './auth.js';
import { redactUrl } from '../redact.js';
import { registryError, type RequestSubject } from './errors.js';
import { nextLink } from './link.js';
import { resumableGet } from './ranged.js';
import { afterAttempts, RetryBudget, type RetryPolicy } from './retry.js';
import { displayUrl, headerValue, readCapped, readWhole, Transport, type HttpResponse } from './transport.js';

export interface RegistryClientOptions {
  /** `http://127.0.0.1:5000` or `https://host`: the caller decides the scheme. */
  base: string;
  /** Fixed credentials, or a lookup run only when the registry challenges. */
  credentials?: RegistryCredentials | CredentialsProvider;
  userAgent?: string;
  signal?: AbortSignal;
  /** Page size asked of catalog and tags listings (`n=`); default 100. */
  pageSize?: number;
  /** Retry and stall limits (tests shorten them). */
  retry?: Partial<RetryPolicy>;
  /** Bytes a catalog or tags listing may take, all its pages together; default MAX_LISTING_TOTAL (tests lower it). */
  maxListingBytes?: number;
}

export interface ManifestResponse {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface PingResult {
  /** The Docker-Distribution-API-Version header, e.g. `registry/2.0`, when sent. */
  apiVersion?: string;
  /** True when /v2/ answered 401 with a challenge. */
  authRequired: boolean;
}

const MAX_LISTING = 16 * 1024 * 1024;
/**
 * All the pages of one listing together, as received (about 2 million tags of 30 characters):
 * the page cap alone would let a registry make one Find hold MAX_PAGES times MAX_LISTING.
 */
const MAX_LISTING_TOTAL = 64 * 1024 * 1024;
/** Catalog and tags pages followed at most: a registry that keeps sending new next links is cut off. */
export const MAX_PAGES = 1000;
const MAX_ERROR_BODY = 64 * 1024;

const pullScope = (repo: string) => `repository:${repo}:pull`;

/**
 * What operations use of a registry: one host (HostClient), or a source's mirrors tried before
 * its origin (MirroredClient in mirrored.ts).
 */
export interface RegistryClient {
  /** host[:port] of the registry the caller named, as shown in messages. */
  readonly host: string;
  ping(): Promise<PingResult>;
  catalog(): Promise<string[]>;
  tags(repo: string): Promise<string[]>;
  manifest(repo: string, ref: string): Promise<ManifestResponse>;
  /**
   * The one way to get a blob: its bytes from an offset on, by the resumable ranged GET
   * (ranged.ts), not verified here (the caller hashes the whole blob). With mirrors, `rejected`
   * passes over the hosts whose whole blob failed that check.
   */
  blob(repo: string, digest: Digest, opts: { size: number; signal?: AbortSignal }): BlobFetch;
  /** A small blob (an image config) read whole through `blob` and verified; at most `maxBytes`. */
  blobBytes(repo: string, desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** The registry API spoken to one host. */
export class HostClient implements RegistryClient {
  /** host[:port], as shown in messages. */
  readonly host: string;
  private readonly base: URL;
  private readonly transport: Transport;
  private readonly auth: Authenticator;
  private readonly signal?: AbortSignal;
  private readonly pageSize: number;
  private readonly maxListingBytes: number;
  private closed?: Promise<void>;

  constructor(opts: RegistryClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.base);
    } catch {
      throw usage(`invalid registry location '${redactUrl(opts.base)}': expected http://host[:port] or https://host[:port]`);
    }
    if ((base.protocol !== 'http:' && base.protocol !== 'https:') || base.username || base.password || base.pathname !== '/' || base.search) {
      throw usage(`invalid registry location '${displayUrl(base)}': expected http://host[:port] or https://host[:port] with no path or credentials`);
    }
    this.base = base;
    this.host = base.host;
    this.transport = new Transport(opts.userAgent ?? 'ctrimg', { retry: opts.retry });
    this.auth = new Authenticator(this.transport, base, opts.credentials);
    this.signal = opts.signal;
    this.pageSize = opts.pageSize ?? 100;
    this.maxListingBytes = opts.maxListingBytes ?? MAX_LISTING_TOTAL;
  }

  /** Checks that the base URL is a registry; does not authenticate. */
  async ping(): Promise<PingResult> {
    const url = new URL('/v2/', this.base);
    const res = await this.transport.get(url, { signal: this.signal });
    const apiVersion = headerValue(res.headers, 'docker-distribution-api-version');
    const body = await readCapped(res, MAX_ERROR_BODY, () => notRegistry(url, `GET /v2/ answered ${res.status} with a large body`), this.deadlineMs);
    const result: PingResult = apiVersion === undefined ? { authRequired: false } : { apiVersion, authRequired: false };
    if (res.status === 401 && (apiVersion !== undefined || res.headers['www-authenticate'] !== undefined)) {
      return { ...result, authRequired: true };
    }
    // The API version header is optional in the OCI spec; then a JSON object body must do.
    if (res.status === 200 && (apiVersion !== undefined || isJsonObject(body))) return result;
    if (res.status >= 500 || res.status === 429) {
      throw afterAttempts(registryError(res.status, body.toString('utf8'), { what: 'ping', subject: displayUrl(url) }), res.attempts);
    }
    throw notRegistry(url, `GET /v2/ answered ${res.status}${apiVersion === undefined ? ' without a Docker-Distribution-API-Version header' : ''}`);
  }

  /** All repository names, following Link pagination. */
  catalog(): Promise<string[]> {
    const url = new URL('/v2/_catalog', this.base);
    url.searchParams.set('n', String(this.pageSize));
    return this.list(url, { what: 'catalog', subject: this.host }, 'registry:catalog:*', 'repositories');
  }

  /** All tags of a repository, following Link pagination. */
  tags(repo: string): Promise<string[]> {
    checkRepository(repo);
    const url = new URL(`/v2/${repo}/tags/list`, this.base);
    url.searchParams.set('n', String(this.pageSize));
    return this.list(url, { what: 'tags', subject: `${this.host}/${repo}` }, pullScope(repo), 'tags');
  }

  /** A manifest or index by tag or digest, its bytes checked against the digest. */
  async manifest(repo: string, ref: string): Promise<ManifestResponse> {
    checkRepository(repo);
    const byDigest = isDigest(ref);
    if (!byDigest && !isTag(ref)) throw usage(`invalid tag or digest '${ref}'`);
    const req: RequestSubject = { what: 'manifest', subject: `${this.host}/${repo}${byDigest ? '@' : ':'}${ref}` };
    const tooLarge = () => failed(`manifest ${req.subject} is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB`, { code: 'MANIFEST_INVALID' });
    const { res, body: bytes } = await this.getWhole(new URL(`/v2/${repo}/manifests/${ref}`, this.base), req, pullScope(repo), MAX_MANIFEST_BYTES, tooLarge, {
      accept: MANIFEST_ACCEPT.join(', '),
    });
    const digest = sha256(bytes);
    if (byDigest) assertDigest(`manifest ${req.subject}`, ref, digest);
    const claimed = headerValue(res.headers, 'docker-content-digest');
    if (claimed !== undefined && isDigest(claimed)) assertDigest(`manifest ${req.subject}`, claimed, digest);
    return { digest, mediaType: manifestMediaType(headerValue(res.headers, 'content-type'), bytes), bytes };
  }

  /** One host has nothing else to offer when the bytes are wrong: no `rejected`. */
  blob(repo: string, digest: Digest, opts: { size: number; signal?: AbortSignal }): BlobFetch {
    checkRepository(repo);
    if (!isDigest(digest)) throw usage(`invalid digest '${digest}'`);
    const req: RequestSubject = { what: 'blob', subject: `${this.host}/${repo}@${digest}` };
    const signals = [this.signal, opts.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const url = new URL(`/v2/${repo}/blobs/${digest}`, this.base);
    const send = (headers: Record<string, string>) => this.get(url, req, pullScope(repo), headers, signal);
    return (offset) => resumableGet({ what: `blob ${req.subject}`, size: opts.size, retry: this.transport.retry, signal, send }, offset);
  }

  async blobBytes(repo: string, desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes = MAX_CONFIG_BYTES): Promise<Buffer> {
    const what = `blob ${this.host}/${repo}@${desc.digest}`;
    const tooLarge = () => failed(`${what} is larger than ${maxBytes} bytes`, { code: 'BLOB_TOO_LARGE' });
    if (desc.size > maxBytes) throw tooLarge();
    const stream = await this.blob(repo, desc.digest, { size: desc.size })(0);
    const bytes = await readWhole(stream, { what, max: maxBytes, deadlineMs: this.deadlineMs, tooLarge });
    checkBlob(what, desc, bytes);
    return bytes;
  }

  /** How long a body read whole may take after its headers. */
  private get deadlineMs(): number {
    return this.transport.retry.bodyDeadlineMs;
  }

  /** Closes the connections; a second call (a MirroredClient and its context both close) waits for the first. */
  close(): Promise<void> {
    return (this.closed ??= this.transport.close());
  }

  /**
   * GET with auth: anonymous (or with what we already hold) first, then once more with the
   * answer to the 401 challenge. Non-2xx answers become CtrimgErrors.
   */
  private async get(url: URL, req: RequestSubject, scope: string, headers: Record<string, string> = {}, signal = this.signal): Promise<HttpResponse> {
    const send = (authorization: string | undefined) =>
      this.transport.get(url, { headers: authorization ? { ...headers, authorization } : headers, signal });
    let res = await send(this.auth.header(scope));
    if (res.status === 401) {
      const challenge = res.headers['www-authenticate'];
      await res.body.dump();
      const authorization = await this.auth.respond(challenge, scope, signal);
      if (authorization === undefined) {
        throw failed(`${req.subject} requires authentication`, {
          code: 'UNAUTHORIZED',
          hint: 'supply credentials for this registry',
        });
      }
      res = await send(authorization);
    }
    if (res.status >= 200 && res.status < 300) return res;
    // The status alone still makes a good error when the body is unreadable or huge.
    const body = await readCapped(res, MAX_ERROR_BODY, () => new Error('error body too large'), this.deadlineMs).catch((e: unknown) => {
      if (isAbort(e)) throw e;
      return Buffer.alloc(0);
    });
    throw afterAttempts(registryError(res.status, body.toString('utf8'), req), res.attempts);
  }

  /**
   * `get` and the whole body (at most `max` bytes). A body that breaks or stalls after the
   * headers is a transfer error like any other: the request is sent again within the policy.
   */
  private async getWhole(
    url: URL,
    req: RequestSubject,
    scope: string,
    max: number,
    tooLarge: () => Error,
    headers: Record<string, string> = {},
    signal = this.signal,
  ): Promise<{ res: HttpResponse; body: Buffer }> {
    const budget = new RetryBudget(this.transport.retry);
    for (;;) {
      const res = await this.get(url, req, scope, headers, signal);
      try {
        return { res, body: await readCapped(res, max, tooLarge, this.deadlineMs) };
      } catch (err) {
        if (isAbort(err) || !(err instanceof CtrimgError) || !err.temporary || !(await budget.next(signal))) {
          throw err instanceof CtrimgError ? afterAttempts(err, budget.attempts) : err;
        }
      }
    }
  }

  /**
   * Every page of a listing, within bounds a registry cannot stretch: MAX_PAGES pages, no
   * repeated or foreign next link, maxListingBytes in all, and one deadline for the whole.
   */
  private async list(first: URL, req: RequestSubject, scope: string, field: 'repositories' | 'tags'): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    const deadlineMs = this.transport.retry.listingDeadlineMs;
    const deadline = AbortSignal.timeout(deadlineMs);
    const signal = this.signal ? AbortSignal.any([this.signal, deadline]) : deadline;
    const bad = (why: string) => failed(`unexpected ${req.what} response for ${req.subject}: ${why}`, { code: 'REGISTRY_ERROR' });
    const tooLarge = () =>
      failed(`the ${req.what} of ${req.subject} is larger than ${this.maxListingBytes} bytes in all; stopped there`, {
        code: 'LISTING_TOO_LARGE',
        hint: listingHint(req.what, req.subject),
        details: { listing: req.what, subject: req.subject },
      });
    let received = 0;
    try {
      for (let url: URL | undefined = first; url; ) {
        if (seen.size >= MAX_PAGES) {
          throw failed(`${req.what} of ${req.subject} runs past ${MAX_PAGES} pages; stopped there`, { code: 'REGISTRY_ERROR' });
        }
        seen.add(url.href);
        const left = this.maxListingBytes - received;
        const max = Math.min(MAX_LISTING, left);
        const { res, body } = await this.getWhole(url, req, scope, max, max === left ? tooLarge : () => bad('too large'), {}, signal);
        received += body.length;
        let items: unknown;
        try {
          items = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[field];
        } catch {
          throw bad('not JSON');
        }
        // distribution answers `"tags": null` for a repository whose tags were all deleted.
        if (items !== null && (!Array.isArray(items) || items.some((s) => typeof s !== 'string'))) {
          throw bad(`'${field}' is not a list of names`);
        }
        // One at a time: spreading a page of 100,000 names into push() overflows the stack.
        for (const item of (items as string[] | null) ?? []) out.push(item);
        url = nextLink(res.headers.link, url);
        if (url && (url.origin !== this.base.origin || seen.has(url.href))) throw bad('its next-page link leaves the registry or loops');
      }
    } catch (err) {
      if (!deadline.aborted || this.signal?.aborted) throw err;
      throw failed(`the ${req.what} of ${req.subject} was not received in full within ${deadlineMs / 1000} s (${seen.size} pages asked for)`, {
        code: 'LISTING_DEADLINE',
        hint: 'the registry lists too slowly; try again later or raise CTRIMG_LISTING_DEADLINE (seconds)',
      });
    }
    return out;
  }
}

/** What to do instead of listing everything: only an install by reference needs no listing. */
function listingHint(what: string, subject: string): string {
  return what === 'catalog'
    ? `search other sources, or install from ${subject} by a reference (${subject}/<repository>:<tag>), which needs no listing`
    : `install by a reference (${subject}:<tag>), which needs no listing`;
}

function checkRepository(repo: string): void {
  if (!isRepository(repo)) throw usage(`invalid repository name '${repo}'`);
}

function notRegistry(url: URL, why: string) {
  return failed(`${displayUrl(url)} is not a container registry (${why})`, {
    code: 'NOT_A_REGISTRY',
    hint: 'check the registry location',
  });
}

function isJsonObject(body: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** The Content-Type when it names a manifest type, else the body's own mediaType. */
function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const header = contentType ? baseMediaType(contentType) : '';
  if (isIndex(header) || isManifest(header)) return header;
  try {
    const mt = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof mt === 'string') return mt;
  } catch {
    // parseManifest reports malformed bytes; here we only label them.
  }
  return header;
}
