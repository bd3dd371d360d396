/**
 * The fetch of a layer's bytes. Non-distributable ("foreign") layers, Windows base layers
 * above all, are often not in the registry: they are asked of the registry first, then of each
 * of the descriptor's `urls` in order (http and https only; others are skipped with a
 * warning). The first server that answers serves the bytes, and RegistrySource (source.ts)
 * verifies them against the descriptor whichever it was; a server whose bytes are wrong is
 * passed over for the next, and when none is left the DIGEST_MISMATCH is the download's.
 */
import type { Readable } from 'node:stream';
import { failed, isAbort } from '../errors.js';
import type { Descriptor } from '../image/manifest.js';
import type { BlobFetch } from '../image/source.js';
import { baseMediaType, DOCKER_FOREIGN_LAYER, OCI_LAYER_ND, OCI_LAYER_ND_GZIP, OCI_LAYER_ND_ZSTD } from '../image/mediatypes.js';
import type { RegistryClient } from './client.js';
import { redactUrl } from '../redact.js';
import { resumableGet } from './ranged.js';
import { isRetryableStatus } from './retry.js';
import { discard, displayUrl, Transport } from './transport.js';

const FOREIGN = new Set([DOCKER_FOREIGN_LAYER, OCI_LAYER_ND, OCI_LAYER_ND_GZIP, OCI_LAYER_ND_ZSTD]);

export function isForeignLayer(mediaType: string): boolean {
  return FOREIGN.has(baseMediaType(mediaType));
}

export interface LayerFetchOptions {
  signal?: AbortSignal;
  warn: (message: string) => void;
}

/**
 * The registry for ordinary layers; for foreign ones the registry, then the descriptor's urls.
 * A server whose whole blob fails verification is passed over: `rejected` tells the caller the
 * next one will serve the blob from the start.
 */
export function layerFetch(client: RegistryClient, repo: string, desc: Descriptor, opts: LayerFetchOptions): BlobFetch {
  const registry = client.blob(repo, desc.digest, { size: desc.size, signal: opts.signal });
  if (!isForeignLayer(desc.mediaType)) return registry;
  // undefined stands for the registry.
  const servers: Array<string | undefined> = [undefined, ...(desc.urls ?? [])];
  let first = 0;
  let served = 0;
  let rejection: Error | undefined;
  const fetch: BlobFetch = async (offset) => {
    let failure: unknown = rejection;
    for (let i = first; i < servers.length; i++) {
      const url = servers[i];
      const u = url !== undefined && URL.canParse(url) ? new URL(url) : undefined;
      if (url !== undefined && u?.protocol !== 'http:' && u?.protocol !== 'https:') {
        opts.warn(`layer ${desc.digest}: skipping URL '${u ? `${u.protocol}//${u.host}` : redactUrl(url)}': only http and https are fetched`);
        continue;
      }
      if (u) opts.warn(`layer ${desc.digest}: ${(failure as Error).message}; fetching it from ${displayUrl(u)}`);
      try {
        const stream = u ? await fromUrl(u, desc, offset, opts.signal) : await registry(offset);
        served = i;
        return stream;
      } catch (err) {
        if (isAbort(err)) throw err;
        failure = err;
      }
    }
    throw failure;
  };
  fetch.rejected = (err) => {
    // A registry with mirrors may have another host to ask first.
    if (served === 0 && registry.rejected?.(err)) {
      first = 0;
      return true;
    }
    if (served + 1 >= servers.length) return false;
    const url = servers[served];
    rejection = new Error(`${url === undefined ? client.host : displayUrl(new URL(url))} sent bytes that do not match its digest`);
    first = served + 1;
    return true;
  };
  return fetch;
}

/** The layer from a URL, from `offset` on, with the same resumable ranged GET as registry blobs. */
async function fromUrl(url: URL, desc: Descriptor, offset: number, signal: AbortSignal | undefined): Promise<Readable> {
  const transport = new Transport('ctrimg');
  const what = `layer ${desc.digest} from ${displayUrl(url)}`;
  const send = async (headers: Record<string, string>) => {
    const res = await transport.get(url, { headers, signal });
    if (res.status === 200 || res.status === 206) return res;
    discard(res);
    // A server that is down or overloaded may serve the rest later: the partial is kept for that.
    throw failed(`${what}: HTTP ${res.status}`, { code: 'LAYER_URL_FAILED', temporary: isRetryableStatus(res.status) });
  };
  try {
    const stream = await resumableGet({ what, size: desc.size, retry: transport.retry, signal, send }, offset);
    stream.on('close', () => void transport.close());
    return stream;
  } catch (err) {
    await transport.close();
    throw err;
  }
}
