/**
 * A forward HTTP proxy on 127.0.0.1: absolute-URI requests are forwarded and CONNECT opens a
 * tunnel; each is recorded (`GET <url>` or `CONNECT host:port`).
 */
import { createServer, request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ForwardProxy {
  url: string;
  /** What was asked of the proxy, in order. */
  seen: string[];
  stop(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    seen.push(`${req.method} ${target.href}`);
    const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const tunnels = new Set<Socket>();
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client).pipe(up);
    });
    for (const s of [up, client]) {
      tunnels.add(s);
      s.on('close', () => tunnels.delete(s));
      s.on('error', () => (s === up ? client : up).destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async stop() {
      server.closeAllConnections();
      for (const s of tunnels) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
