/**
 * A registry that means harm, on 127.0.0.1, for the limits that protect against one. It speaks
 * just enough of the API to be taken for a registry (GET /v2/ answers 200 with the API version
 * header) and then:
 * - /v2/trickle/manifests/<ref> and /v2/trickle/blobs/<digest>: a body that never ends, one byte every 100 ms;
 * - /v2/_catalog and /v2/endless/tags/list: pages whose next link names a new page forever;
 * - /v2/many/tags/list: one page of `tags` tags (`1.0.0`, `1.0.1`, ...);
 * - /v2/slow/tags/list: a first page at once, linking to a second that trickles like the above.
 * Anything else is 404. A hostile server, not the protocol under test: the protocol is tested
 * against the real registry.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface HostileRegistry {
  url: string;
  host: string;
  /** Paths requested, in order. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startHostileRegistry(opts: { tags?: number } = {}): Promise<HostileRegistry> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers }).end(JSON.stringify(body));
  /** One page of an endless listing, linking to the page after it. */
  const endless = (res: ServerResponse, path: string, url: URL, field: string) => {
    const page = Number(url.searchParams.get('last') ?? 0);
    json(res, { [field]: [`${field}-${page}`] }, { link: `<${path}?n=100&last=${page + 1}>; rel="next"` });
  };

  /** A body that never ends: '{', then a space every 100 ms. */
  const trickle = (res: ServerResponse, contentType: string) => {
    res.writeHead(200, { 'content-type': contentType });
    res.write('{');
    const timer = setInterval(() => res.write(' '), 100);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    if (url.pathname === '/v2/') return json(res, {});
    if (url.pathname === '/v2/_catalog') return endless(res, url.pathname, url, 'repositories');
    if (url.pathname === '/v2/endless/tags/list') return endless(res, url.pathname, url, 'tags');
    if (url.pathname === '/v2/many/tags/list') {
      return json(res, { name: 'many', tags: Array.from({ length: opts.tags ?? 0 }, (_, i) => `1.0.${i}`) });
    }
    if (url.pathname === '/v2/slow/tags/list' && !url.searchParams.has('last')) {
      return json(res, { name: 'slow', tags: ['1.0.0'] }, { link: `<${url.pathname}?n=100&last=1.0.0>; rel="next"` });
    }
    if (url.pathname === '/v2/slow/tags/list') return trickle(res, 'application/json');
    if (url.pathname.startsWith('/v2/trickle/')) {
      return trickle(res, url.pathname.includes('/manifests/') ? 'application/vnd.oci.image.manifest.v1+json' : 'application/octet-stream');
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"no such thing"}]}');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
