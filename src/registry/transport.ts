/**
 * HTTP for the registry client: one undici dispatcher (through HTTP_PROXY/HTTPS_PROXY unless
 * NO_PROXY says otherwise), redirects followed by hand (so the Authorization header is dropped
 * when the origin changes), connection failures and 408/429/5xx answers retried with backoff,
 * network failures mapped to UNREACHABLE, and capped body reads. A form POST (the OAuth token
 * exchange) is retried only when the connection failed before anything was sent.
 */
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { CtrimgError, failed, isAbort, usage } from '../errors.js';
import { redactUrl } from '../redact.js';
import { afterAttempts, isRetryableStatus, retryAfterMs, RetryBudget, retryPolicy, type RetryPolicy } from './retry.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** Where the response finally came from, after redirects. */
  url: URL;
  /** Requests made for it, retries included. */
  attempts: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** A URL fit for messages: no credentials and no query string, which may carry signed tokens on blob redirects. */
export const displayUrl = (url: URL): string => redactUrl(url);

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|EPROTO|UNABLE_TO_VERIFY/;
/** Failures to connect: the request was never sent, so even a POST may be sent again. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string {
  const e = err as { code?: string; errors?: { code?: string }[] } | null;
  return e?.code ?? e?.errors?.[0]?.code ?? '';
}

/** Maps a thrown network error to a CtrimgError; aborts pass through unchanged. */
export function networkError(err: unknown, url: URL): unknown {
  if (isAbort(err) || err instanceof CtrimgError) return err;
  const code = errorCode(err);
  const where = displayUrl(url);
  if (TLS_CODES.test(code)) {
    return failed(`TLS handshake with ${where} failed (${code})`, {
      code: 'TLS_ERROR',
      hint: 'if the registry speaks plain HTTP, give its location as http://',
      cause: err,
    });
  }
  const reason: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EPIPE: 'connection closed by the server',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no response in time',
    UND_ERR_BODY_TIMEOUT: 'response stalled',
    UND_ERR_SOCKET: 'connection closed by the server',
  };
  return failed(`cannot reach ${where}: ${reason[code] ?? (code || 'network error')}`, {
    code: 'UNREACHABLE',
    // A name that does not resolve will not resolve a second later either.
    temporary: code !== 'ENOTFOUND',
    cause: err,
  });
}

export interface SendOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface TransportOptions {
  retry?: Partial<RetryPolicy>;
  env?: NodeJS.ProcessEnv;
}

/**
 * Proxy settings from the environment as docker and containerd read them: the upper-case name,
 * else the lower-case one, and an empty value is no value. Given to undici explicitly, since on
 * its own it reads the lower-case name first and lets an empty one hide the other.
 */
function proxySettings(env: NodeJS.ProcessEnv): { httpProxy: string; httpsProxy: string; noProxy: string } {
  const get = (name: string) => env[name] || env[name.toLowerCase()] || '';
  return { httpProxy: get('HTTP_PROXY'), httpsProxy: get('HTTPS_PROXY'), noProxy: get('NO_PROXY') };
}

/** A deadline in seconds from the environment, in milliseconds; undefined when unset. */
function secondsFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!(seconds > 0)) throw usage(`${name} must be a positive number of seconds, not '${raw}'`);
  return seconds * 1000;
}

/**
 * `CTRIMG_BODY_DEADLINE` and `CTRIMG_LISTING_DEADLINE` (seconds) override the body and listing
 * deadlines, for tests and very slow links.
 */
function deadlinesFromEnv(env: NodeJS.ProcessEnv): Partial<RetryPolicy> {
  const bodyDeadlineMs = secondsFromEnv(env, 'CTRIMG_BODY_DEADLINE');
  const listingDeadlineMs = secondsFromEnv(env, 'CTRIMG_LISTING_DEADLINE');
  return { ...(bodyDeadlineMs !== undefined && { bodyDeadlineMs }), ...(listingDeadlineMs !== undefined && { listingDeadlineMs }) };
}

export class Transport {
  readonly retry: RetryPolicy;
  private readonly agent: Dispatcher;

  constructor(
    private readonly userAgent: string,
    opts: TransportOptions = {},
  ) {
    this.retry = retryPolicy({ ...deadlinesFromEnv(opts.env ?? process.env), ...opts.retry });
    // bodyTimeout is the longest gap between two chunks: a stalled transfer fails.
    const timeouts = { connectTimeout: 15_000, headersTimeout: Math.max(this.retry.stallMs, 1000), bodyTimeout: this.retry.stallMs };
    const proxy = proxySettings(opts.env ?? process.env);
    this.agent = proxy.httpProxy || proxy.httpsProxy ? new EnvHttpProxyAgent({ ...timeouts, ...proxy }) : new Agent(timeouts);
  }

  /**
   * GET `url`, following up to 10 redirects and retrying connection failures and 408, 429 and
   * 5xx answers within the retry policy. After the last attempt a failed answer is returned
   * (with `attempts`) and a connection failure thrown. The caller must consume or dump the body.
   */
  async get(url: URL, opts: SendOptions = {}): Promise<HttpResponse> {
    const budget = new RetryBudget(this.retry);
    for (;;) {
      let res: HttpResponse;
      try {
        res = await this.follow(url, opts);
      } catch (err) {
        if (err instanceof CtrimgError && err.temporary && (await budget.next(opts.signal))) continue;
        throw err instanceof CtrimgError ? afterAttempts(err, budget.attempts) : err;
      }
      if (!isRetryableStatus(res.status)) return { ...res, attempts: budget.attempts };
      // Retry-After for 429 and 503; everything else backs off on its own.
      const delay = budget.delay(retryAfterMs(headerValue(res.headers, 'retry-after')));
      // Out of attempts: the caller turns this answer, body and all, into an error.
      if (delay === undefined) return { ...res, attempts: budget.attempts };
      await res.body.dump().catch(() => {});
      await budget.wait(delay, opts.signal);
    }
  }

  /**
   * POSTs `form` as application/x-www-form-urlencoded. Redirects are not followed, and only a
   * failure to connect is retried: a POST may not be safe to repeat once the server has it. The
   * form (it may carry a secret) never appears in an error. The caller must consume or dump the body.
   */
  async postForm(url: URL, form: URLSearchParams, opts: SendOptions = {}): Promise<HttpResponse> {
    const headers = { 'user-agent': this.userAgent, ...opts.headers, 'content-type': 'application/x-www-form-urlencoded' };
    const body = form.toString();
    const budget = new RetryBudget(this.retry);
    for (;;) {
      try {
        const res = await request(url, { dispatcher: this.agent, method: 'POST', headers, body, signal: opts.signal });
        return { status: res.statusCode, headers: res.headers, body: res.body, url, attempts: budget.attempts };
      } catch (err) {
        const mapped = networkError(err, url);
        if (!(mapped instanceof CtrimgError)) throw mapped;
        if (NOT_SENT.has(errorCode(err)) && (await budget.next(opts.signal))) continue;
        throw afterAttempts(mapped, budget.attempts);
      }
    }
  }

  private async follow(url: URL, opts: SendOptions): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...opts.headers };
    let current = url;
    for (let hop = 0; ; hop++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(current, { dispatcher: this.agent, method: 'GET', headers, signal: opts.signal });
      } catch (err) {
        throw networkError(err, current);
      }
      const location = headerValue(res.headers, 'location');
      if (!REDIRECTS.has(res.statusCode) || location === undefined) {
        return { status: res.statusCode, headers: res.headers, body: res.body, url: current, attempts: 1 };
      }
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) {
        throw failed(`too many redirects fetching ${displayUrl(url)}`, { code: 'TOO_MANY_REDIRECTS' });
      }
      if (!URL.canParse(location, current)) {
        throw failed(`${displayUrl(current)} redirected to '${redactUrl(location)}', which is not a valid URL`, { code: 'REGISTRY_ERROR' });
      }
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw failed(`${displayUrl(current)} redirected to an unsupported ${next.protocol} URL`, { code: 'REGISTRY_ERROR' });
      }
      // Credentials and tokens belong to the registry, not to the storage it redirects to.
      if (next.origin !== current.origin) delete headers.authorization;
      current = next;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Closes a body we will not read; undici then emits an abort error nobody needs to see. */
export function discard(res: HttpResponse): void {
  res.body.on('error', () => {});
  res.body.destroy();
}

/** Reads a whole body, refusing (and closing the connection) past `max` bytes or `deadlineMs` after the headers. */
export async function readCapped(res: HttpResponse, max: number, tooLarge: () => Error, deadlineMs: number): Promise<Buffer> {
  const declared = Number(headerValue(res.headers, 'content-length'));
  if (declared > max) {
    discard(res);
    throw tooLarge();
  }
  try {
    return await readWhole(res.body, { what: displayUrl(res.url), max, deadlineMs, tooLarge });
  } catch (err) {
    discard(res);
    throw err instanceof CtrimgError ? err : networkError(err, res.url);
  }
}

/**
 * Reads a stream whole: at most `max` bytes, all of them within `deadlineMs`. Past either
 * limit the stream is destroyed, and with it the connection. Missing the deadline is not
 * temporary: a registry that cannot send a small body in that time is not asked again.
 */
export async function readWhole(body: Readable, limits: { what: string; max: number; deadlineMs: number; tooLarge: () => Error }): Promise<Buffer> {
  const tooSlow = failed(`${limits.what}: not received in full within ${limits.deadlineMs / 1000} s`, {
    code: 'BODY_DEADLINE',
    hint: 'the registry sends too slowly; try again later or raise CTRIMG_BODY_DEADLINE (seconds)',
  });
  const timer = setTimeout(() => body.destroy(tooSlow), limits.deadlineMs);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      // Throwing out of for-await destroys the stream.
      if (total > limits.max) throw limits.tooLarge();
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}
