/**
 * The one resumable ranged GET, for every fetch of a blob (registry blobs, their mirrors, the URLs
 * of foreign layers): the bytes of a blob from an offset on, asked again with `Range` from the
 * byte reached after a broken, truncated or stalled transfer, within the retry policy. A server
 * that ignores `Range` resends everything, and the bytes before the offset are dropped. Every
 * network failure becomes a temporary CtrimgError, so whoever keeps the partial keeps it for
 * the next attempt. Not verified here: the caller hashes the whole blob, the bytes it already
 * holds included.
 */
import { Readable } from 'node:stream';
import { CtrimgError, failed, isAbort } from '../errors.js';
import { afterAttempts, RetryBudget, type RetryPolicy } from './retry.js';
import { discard, headerValue, networkError, type HttpResponse } from './transport.js';

export interface RangedGet {
  /** What is fetched, as messages name it: `blob host/repo@sha256:...`, `layer sha256:... from URL`. */
  what: string;
  size: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** A 2xx answer to a GET with these headers (a Range, from an offset on), else a thrown error. */
  send(headers: Record<string, string>): Promise<HttpResponse>;
}

/** A response and how many of its leading bytes the caller already holds. */
interface RangeAnswer {
  res: HttpResponse;
  skip: number;
}

/** The bytes from `start` on. The first request is made before this resolves, so a server that fails at once fails here. */
export async function resumableGet(get: RangedGet, start: number): Promise<Readable> {
  return Readable.from(resume(get, start, await rangeGet(get, start)), { objectMode: false });
}

async function* resume(get: RangedGet, start: number, first: RangeAnswer): AsyncGenerator<Buffer> {
  const budget = new RetryBudget(get.retry);
  let offset = start;
  for (let answer = first; ; answer = await rangeGet(get, offset)) {
    let skip = answer.skip;
    try {
      for await (const chunk of answer.res.body as AsyncIterable<Buffer>) {
        const fresh = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
        skip -= chunk.length - fresh.length;
        if (fresh.length === 0) continue;
        offset += fresh.length;
        budget.progressed();
        yield fresh;
      }
      if (offset >= get.size) return;
      throw failed(`${get.what}: the transfer ended after ${offset} of ${get.size} bytes`, { code: 'UNREACHABLE', temporary: true });
    } catch (err) {
      if (isAbort(err)) throw err;
      const e = err instanceof CtrimgError ? err : (networkError(err, answer.res.url) as CtrimgError);
      if (!e.temporary || !(await budget.next(get.signal))) throw afterAttempts(e, budget.attempts);
    }
  }
}

/** GET from `offset` on: a 206 must start exactly there, a 200 is the whole blob. */
async function rangeGet(get: RangedGet, offset: number): Promise<RangeAnswer> {
  const res = await get.send(offset > 0 ? { range: `bytes=${offset}-` } : {});
  const bad = (why: string) => {
    discard(res);
    return failed(`${get.what}: ${why}`, { code: 'DIGEST_MISMATCH' });
  };
  if (res.status === 206) {
    const range = headerValue(res.headers, 'content-range') ?? '';
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
    if (!m || Number(m[1]) !== offset || (m[3] !== '*' && Number(m[3]) !== get.size)) {
      throw bad(`asked for bytes from ${offset} of ${get.size}, the server sent ${range || 'no Content-Range'}`);
    }
    return { res, skip: 0 };
  }
  const declared = headerValue(res.headers, 'content-length');
  if (declared !== undefined && Number(declared) !== get.size) throw bad(`the server sent ${declared} bytes, its descriptor says ${get.size}`);
  return { res, skip: offset };
}
