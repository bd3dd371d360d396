/**
 * A fault-injecting reverse proxy on 127.0.0.1 in front of a real registry. Faults are queued
 * per path pattern and each is used by the next matching request; every request is recorded
 * with its Range header, the status sent and the body bytes actually written.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Send `after` body bytes, let them arrive, then reset the connection (RST). */
  | { kind: 'reset'; after: number }
  /** Send `after` body bytes, then close cleanly although Content-Length promised more. */
  | { kind: 'truncate'; after: number }
  /**
   * Answer with this status (and headers) without asking the registry; the body is a JSON
   * UNAVAILABLE error unless given, or made from the request (e.g. one that echoes its headers).
   */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string | ((req: IncomingMessage) => string) }
  /** Invert the body byte at this position of the response. */
  | { kind: 'flip'; at: number }
  /** Send `after` body bytes, then nothing for `ms`, then the rest. */
  | { kind: 'stall'; after: number; ms: number }
  /** Drop the request's Range header, as a server without Range support would. */
  | { kind: 'ignoreRange' };

export interface ProxiedRequest {
  path: string;
  range?: string;
  status: number;
  bytesSent: number;
  fault?: Fault['kind'];
}

export interface FaultProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Queues a fault for the next request whose path matches. */
  inject(path: RegExp, fault: Fault): void;
  /** Resolves when the proxy receives a request, from now on, whose path matches. */
  requested(path: RegExp): Promise<ProxiedRequest>;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const queue: Array<{ path: RegExp; fault: Fault }> = [];
  const requests: ProxiedRequest[] = [];
  const waiters: Array<{ path: RegExp; resolve: (r: ProxiedRequest) => void }> = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const i = queue.findIndex((q) => q.path.test(path));
    const fault = i >= 0 ? queue.splice(i, 1)[0]!.fault : undefined;
    const range = req.headers.range;
    const record: ProxiedRequest = { path, status: 0, bytesSent: 0, ...(range ? { range } : {}), ...(fault ? { fault: fault.kind } : {}) };
    requests.push(record);
    for (const w of waiters.filter((w) => w.path.test(path))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(record);
    }
    if (fault?.kind === 'status') {
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      const body = typeof fault.body === 'function' ? fault.body(req) : fault.body;
      res.end(body ?? '{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}');
      return;
    }
    const headers = { ...req.headers, host: target.host };
    if (fault?.kind === 'ignoreRange') delete headers.range;
    const up = request(new URL(path, target), { method: req.method, headers }, (upRes) => {
      record.status = upRes.statusCode ?? 0;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      let offset = 0;
      let cut = false;
      upRes.on('data', (chunk: Buffer) => {
        if (cut) return;
        let out = chunk;
        if (fault?.kind === 'flip' && fault.at >= offset && fault.at < offset + chunk.length) {
          out = Buffer.from(chunk);
          out[fault.at - offset] = out[fault.at - offset]! ^ 0xff;
        }
        const limit = fault && 'after' in fault ? fault.after : Infinity;
        if (offset + out.length >= limit && offset < limit) {
          const head = out.subarray(0, limit - offset);
          const tail = out.subarray(limit - offset);
          offset += head.length;
          record.bytesSent += head.length;
          if (fault!.kind === 'stall') {
            res.write(head);
            upRes.pause();
            const t = setTimeout(() => {
              timers.delete(t);
              record.bytesSent += tail.length;
              offset += tail.length;
              res.write(tail);
              upRes.resume();
            }, (fault as { ms: number }).ms);
            timers.add(t);
            return;
          }
          cut = true;
          upRes.destroy();
          res.write(head, () => {
            // Give the client time to read what was sent before the connection goes.
            const t = setTimeout(() => {
              timers.delete(t);
              if (fault!.kind === 'reset') res.socket?.resetAndDestroy();
              else res.socket?.destroy();
            }, 100);
            timers.add(t);
          });
          return;
        }
        offset += out.length;
        record.bytesSent += out.length;
        res.write(out);
      });
      upRes.on('end', () => {
        if (!cut) res.end();
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inject: (path, fault) => queue.push({ path, fault }),
    requested: (path) => new Promise((resolve) => waiters.push({ path, resolve })),
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
