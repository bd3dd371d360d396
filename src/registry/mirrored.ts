/**
 * A source with mirrors (pull-through caches in front of it, for fleets): one HostClient per
 * host, the mirrors tried in order before the origin, the registry the source names.
 *
 * - Manifests, blobs, tags and ping go to the mirrors first, then to the origin. A mirror that
 *   fails (not found, an error status, content that does not match its digest) is passed over
 *   for that request; one that cannot be reached is reported once and skipped for the rest of
 *   the command (the set of such hosts is shared by every client the command makes). Mirror
 *   clients are made with one attempt per request, so a dead mirror costs one connection.
 * - The catalog goes to the origin first, and to the mirrors only when the origin cannot be
 *   reached: a pull-through cache lists only the repositories it has already cached, so its
 *   catalog is not the source's.
 * - Content is verified the same way whichever host serves it: manifests and whole blobs by
 *   the HostClient, layer streams by RegistrySource (source.ts) and a resumed download's whole
 *   blob by the content store; whoever finds it wrong tells blob()'s fetch, which passes over
 *   the mirrors that served it.
 */
import { Readable } from 'node:stream';
import { CtrimgError, isAbort } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import type { BlobFetch } from '../image/source.js';
import type { ManifestResponse, PingResult, RegistryClient } from './client.js';

export interface MirrorReporter {
  warn(message: string): void;
  debug(message: string): void;
}

export interface MirroredOptions {
  origin: RegistryClient;
  /** In the order they are tried. */
  mirrors: RegistryClient[];
  report: MirrorReporter;
  /** Hosts found unreachable earlier in this command; shared, and added to here. */
  unreachable: Set<string>;
}

export class MirroredClient implements RegistryClient {
  readonly host: string;
  private readonly origin: RegistryClient;
  private readonly mirrors: RegistryClient[];
  private readonly report: MirrorReporter;
  private readonly unreachable: Set<string>;
  /** `host code` pairs already warned about, so a failing mirror is not reported per layer. */
  private readonly warned = new Set<string>();

  constructor(opts: MirroredOptions) {
    this.origin = opts.origin;
    this.host = opts.origin.host;
    this.mirrors = opts.mirrors;
    this.report = opts.report;
    this.unreachable = opts.unreachable;
  }

  ping(): Promise<PingResult> {
    return this.first((c) => c.ping());
  }

  async catalog(): Promise<string[]> {
    try {
      return await this.origin.catalog();
    } catch (err) {
      if (!(err instanceof CtrimgError) || err.code !== 'UNREACHABLE') throw err;
      for (const mirror of this.live()) {
        try {
          const repos = await mirror.catalog();
          this.report.warn(`${this.host} is unreachable; listing the repositories mirror ${mirror.host} has cached`);
          return repos;
        } catch (e) {
          this.passOver(mirror, e);
        }
      }
      throw err;
    }
  }

  tags(repo: string): Promise<string[]> {
    return this.first((c) => c.tags(repo));
  }

  manifest(repo: string, ref: string): Promise<ManifestResponse> {
    return this.first((c) => c.manifest(repo, ref));
  }

  /** Read whole and verified, so a mirror's wrong bytes fall through to the next host. */
  blobBytes(repo: string, desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer> {
    return this.first((c) => c.blobBytes(repo, desc, maxBytes));
  }

  /**
   * A blob from an offset on, from the first host that answers. When a mirror's transfer
   * breaks, the next host (in the end the origin, with its full retry policy) continues with
   * `Range` from the byte reached. When the whole blob fails its check, the mirrors that served
   * any of it are passed over and the download starts again on the next host.
   */
  blob(repo: string, digest: Digest, opts: { size: number; signal?: AbortSignal }): BlobFetch {
    const excluded = new Set<RegistryClient>();
    const served = new Set<RegistryClient>();
    const fetch: BlobFetch = (offset) => this.relay(repo, digest, offset, opts, excluded, (c) => served.add(c));
    fetch.rejected = () => {
      const mirrors = [...served].filter((c) => c !== this.origin);
      served.clear();
      if (mirrors.length === 0) return false;
      for (const m of mirrors) {
        excluded.add(m);
        this.report.warn(`mirror ${m.host} sent bytes for ${digest} that do not match its digest; fetching it from the next host`);
      }
      return true;
    };
    return fetch;
  }

  private async relay(
    repo: string,
    digest: Digest,
    start: number,
    opts: { size: number; signal?: AbortSignal },
    excluded: ReadonlySet<RegistryClient>,
    onServe: (c: RegistryClient) => void,
  ): Promise<Readable> {
    const hosts = [...this.live().filter((m) => !excluded.has(m)), this.origin];
    const open = async (from: number, offset: number) => {
      const { value, index } = await this.attempt(hosts.slice(from), (c) => c.blob(repo, digest, opts)(offset));
      onServe(hosts[from + index]!);
      return { stream: value, index: from + index };
    };
    // Opened before returning, so a blob that no host has fails here, as with a HostClient.
    let cur = await open(0, start);
    const chunks = async function* (this: MirroredClient): AsyncGenerator<Buffer> {
      let offset = start;
      for (;;) {
        try {
          for await (const chunk of cur.stream as AsyncIterable<Buffer>) {
            offset += chunk.length;
            yield chunk;
          }
          return;
        } catch (err) {
          if (cur.index === hosts.length - 1 || isAbort(err) || !(err instanceof CtrimgError) || !err.temporary) throw err;
          this.report.warn(`mirror ${hosts[cur.index]!.host}: ${err.message}; continuing from byte ${offset} with the next host`);
          cur = await open(cur.index + 1, offset);
        }
      }
    };
    const out = Readable.from(chunks.call(this), { objectMode: false });
    // A consumer that stops before reading must not leave a host's connection streaming.
    out.on('close', () => cur.stream.destroy());
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.origin, ...this.mirrors].map((c) => c.close()));
  }

  /** Mirrors not yet found unreachable, in order. */
  private live(): RegistryClient[] {
    return this.mirrors.filter((m) => !this.unreachable.has(m.host));
  }

  private async first<T>(op: (c: RegistryClient) => Promise<T>): Promise<T> {
    return (await this.attempt([...this.live(), this.origin], op)).value;
  }

  /** `op` on each host in turn until one succeeds; the last host's failure is thrown. */
  private async attempt<T>(hosts: RegistryClient[], op: (c: RegistryClient) => Promise<T>): Promise<{ value: T; index: number }> {
    for (const [index, host] of hosts.entries()) {
      if (index === hosts.length - 1) return { value: await op(host), index };
      try {
        return { value: await op(host), index };
      } catch (err) {
        this.passOver(host, err);
      }
    }
    throw new Error('no registry host to ask');
  }

  /** Decides whether a mirror's failure lets the next host be asked; rethrows when it does not. */
  private passOver(mirror: RegistryClient, err: unknown): void {
    // Cancellation, invalid input and our own bugs would fail the same way on every host.
    if (isAbort(err) || !(err instanceof CtrimgError) || err.kind === 'usage') throw err;
    if (err.code === 'UNREACHABLE') {
      if (!this.unreachable.has(mirror.host)) {
        this.unreachable.add(mirror.host);
        this.report.warn(`mirror ${mirror.host}: ${err.message}; not using it for the rest of this command`);
      }
      return;
    }
    // A cache that lacks something is ordinary; anything else is worth one warning per kind.
    if (err.kind === 'notFound') {
      this.report.debug(`mirror ${mirror.host}: ${err.message}; asking the next host`);
      return;
    }
    const key = `${mirror.host} ${err.code}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.report.warn(`mirror ${mirror.host}: ${err.message}; asking the next host`);
    }
  }
}
