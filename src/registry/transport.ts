/**
 * HTTP for the registry client: one undici Agent, redirects followed by hand (so the
 * Authorization header is dropped when the origin changes), network failures mapped to
 * UNREACHABLE, and capped body reads.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { CtrimgError, failed } from '../errors.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** Where the response finally came from, after redirects. */
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** A URL fit for messages: no query string, which may carry signed tokens on blob redirects. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR';
}

const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|EPROTO|UNABLE_TO_VERIFY/;

/** Maps a thrown network error to a CtrimgError; aborts pass through unchanged. */
export function networkError(err: unknown, url: URL): unknown {
  if (isAbort(err) || err instanceof CtrimgError) return err;
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e.code ?? e.errors?.[0]?.code ?? '';
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
    temporary: true,
    cause: err,
  });
}

export interface SendOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class Transport {
  private readonly agent = new Agent({ connectTimeout: 15_000, headersTimeout: 60_000, bodyTimeout: 120_000 });

  constructor(private readonly userAgent: string) {}

  /** GET `url`, following up to 10 redirects. The caller must consume or dump the body. */
  async get(url: URL, opts: SendOptions = {}): Promise<HttpResponse> {
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
        return { status: res.statusCode, headers: res.headers, body: res.body, url: current };
      }
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) {
        throw failed(`too many redirects fetching ${displayUrl(url)}`, { code: 'TOO_MANY_REDIRECTS' });
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

/** Reads a whole body, refusing (and closing the connection) past `max` bytes. */
export async function readCapped(res: HttpResponse, max: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(headerValue(res.headers, 'content-length'));
  if (declared > max) {
    discard(res);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) {
        discard(res);
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw err instanceof CtrimgError ? err : networkError(err, res.url);
  }
  return Buffer.concat(chunks);
}
