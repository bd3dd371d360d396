/**
 * A loopback port that accepts every connection and resets it at once, counting them: a host
 * that is down in a way a test can count attempts against (a refused port cannot be counted).
 */
import { createServer } from 'node:net';

export interface DeadPort {
  url: string;
  host: string;
  connections(): number;
  stop(): Promise<void>;
}

export async function startDeadPort(): Promise<DeadPort> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.resetAndDestroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: `http://${host}`,
    host,
    connections: () => n,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
