/**
 * Challenge parsing, and the auth hop against a tiny node:http server that issues Basic and
 * Bearer challenges and runs a token endpoint. Only the auth exchange is simulated here; the
 * registry protocol itself is tested against a real registry in client.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CtrimgError } from '../../../src/errors.js';
import { parseChallenges } from '../../../src/registry/auth.js';
import { HostClient } from '../../../src/registry/client.js';

describe('registry/auth', () => {
  describe('parseChallenges', () => {
    const table: [string | string[], ReturnType<typeof parseChallenges>][] = [
      [
        'Bearer realm="https://127.0.0.1:5001/token",service="127.0.0.1:5000",scope="repository:a/b:pull"',
        [{ scheme: 'bearer', params: { realm: 'https://127.0.0.1:5001/token', service: '127.0.0.1:5000', scope: 'repository:a/b:pull' } }],
      ],
      ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
      ['basic', [{ scheme: 'basic', params: {} }]],
      [
        'Basic realm="x", Bearer realm="https://127.0.0.1/", scope="a b"',
        [
          { scheme: 'basic', params: { realm: 'x' } },
          { scheme: 'bearer', params: { realm: 'https://127.0.0.1/', scope: 'a b' } },
        ],
      ],
      [
        ['Basic realm=plain', 'Bearer REALM = "q\\"uoted, with comma" , error="invalid_token"'],
        [
          { scheme: 'basic', params: { realm: 'plain' } },
          { scheme: 'bearer', params: { realm: 'q"uoted, with comma', error: 'invalid_token' } },
        ],
      ],
      ['', []],
    ];
    for (const [header, want] of table) {
      it(`parses ${JSON.stringify(header).slice(0, 60)}`, () => assert.deepEqual(parseChallenges(header), want));
    }
  });

  describe('against challenging servers', () => {
    let server: Server;
    let base: string;
    let log: { url: string; authorization?: string }[];
    let tokensIssued: number;
    let expiresIn: number | undefined;
    let handler: (req: IncomingMessage, res: ServerResponse) => void;

    before(async () => {
      server = createServer((req, res) => {
        log.push({ url: req.url!, authorization: req.headers.authorization });
        handler(req, res);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
      log = [];
      tokensIssued = 0;
      expiresIn = undefined;
    });

    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const tags = (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'a/b', tags: ['1'] }));
    };
    const challenge = (res: ServerResponse, value: string) => {
      res.writeHead(401, { 'www-authenticate': value, 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    };

    function basicServer(req: IncomingMessage, res: ServerResponse) {
      if (req.headers.authorization === basic('alice', 's3cret')) return tags(res);
      challenge(res, 'Basic realm="test"');
    }

    function tokenServer(req: IncomingMessage, res: ServerResponse) {
      const url = new URL(req.url!, base);
      if (url.pathname === '/token') {
        if (req.headers.authorization !== undefined && req.headers.authorization !== basic('alice', 's3cret')) {
          res.writeHead(401);
          return res.end();
        }
        tokensIssued++;
        res.writeHead(200, { 'content-type': 'application/json' });
        const who = req.headers.authorization ? 'alice' : 'anon';
        return res.end(
          JSON.stringify({
            access_token: `tok-${who}-${url.searchParams.get('service')}-${url.searchParams.getAll('scope').join('+')}`,
            ...(expiresIn !== undefined && { expires_in: expiresIn }),
          }),
        );
      }
      if (req.headers.authorization === 'Bearer tok-alice-svc-repository:a/b:pull') return tags(res);
      challenge(res, `Bearer realm="${base}/token",service="svc",scope="repository:a/b:pull"`);
    }

    it('answers a Basic challenge with the credentials, then sends them up front', async () => {
      handler = basicServer;
      const c = new HostClient({ base, credentials: { username: 'alice', password: 's3cret' } });
      try {
        assert.deepEqual(await c.tags('a/b'), ['1']);
        assert.deepEqual(await c.tags('a/b'), ['1']);
      } finally {
        await c.close();
      }
      assert.deepEqual(
        log.map((l) => l.authorization),
        [undefined, basic('alice', 's3cret'), basic('alice', 's3cret')],
      );
    });

    it('reports UNAUTHORIZED without leaking the password when credentials are wrong or missing', async () => {
      handler = basicServer;
      for (const credentials of [{ username: 'alice', password: 'wrong-pw' }, undefined]) {
        const c = new HostClient({ base, credentials });
        try {
          await assert.rejects(c.tags('a/b'), (e: unknown) => {
            assert.ok(e instanceof CtrimgError);
            assert.equal(e.code, 'UNAUTHORIZED');
            assert.ok(!`${e.message} ${e.hint}`.includes('wrong-pw'));
            assert.ok(!`${e.message} ${e.hint}`.includes(Buffer.from('alice:wrong-pw').toString('base64')));
            return true;
          });
        } finally {
          await c.close();
        }
      }
    });

    it('fetches a Bearer token from the realm with service, scope and Basic credentials, and caches it', async () => {
      handler = tokenServer;
      const c = new HostClient({ base, credentials: { username: 'alice', password: 's3cret' } });
      try {
        assert.deepEqual(await c.tags('a/b'), ['1']);
        assert.deepEqual(await c.tags('a/b'), ['1']);
      } finally {
        await c.close();
      }
      assert.equal(tokensIssued, 1);
      assert.deepEqual(
        log.map((l) => [new URL(l.url, base).pathname, l.authorization]),
        [
          ['/v2/a/b/tags/list', undefined],
          ['/token', basic('alice', 's3cret')],
          ['/v2/a/b/tags/list', 'Bearer tok-alice-svc-repository:a/b:pull'],
          ['/v2/a/b/tags/list', 'Bearer tok-alice-svc-repository:a/b:pull'],
        ],
      );
    });

    it('fetches a new token once the cached one has expired', async () => {
      handler = tokenServer;
      expiresIn = 0.001;
      const c = new HostClient({ base, credentials: { username: 'alice', password: 's3cret' } });
      try {
        await c.tags('a/b');
        await new Promise((r) => setTimeout(r, 5));
        await c.tags('a/b');
      } finally {
        await c.close();
      }
      assert.equal(tokensIssued, 2);
    });

    it('retries only once: a token the registry rejects is UNAUTHORIZED', async () => {
      handler = tokenServer;
      const c = new HostClient({ base });
      try {
        await assert.rejects(c.tags('a/b'), (e: unknown) => e instanceof CtrimgError && e.code === 'UNAUTHORIZED');
      } finally {
        await c.close();
      }
      assert.equal(log.length, 3); // anonymous, token, retry with the anonymous token
      assert.equal(log[1]!.authorization, undefined);
    });

    it('reports a token server refusing the credentials as UNAUTHORIZED', async () => {
      handler = tokenServer;
      const c = new HostClient({ base, credentials: { username: 'alice', password: 'nope-nope' } });
      try {
        await assert.rejects(c.tags('a/b'), (e: unknown) => {
          assert.ok(e instanceof CtrimgError && e.code === 'UNAUTHORIZED');
          assert.match(e.message, /refused the credentials/);
          assert.ok(!e.message.includes('nope-nope'));
          return true;
        });
      } finally {
        await c.close();
      }
    });

    it('treats a rotated refresh token as a secret: a registry echoing it gets it cut from the error', async () => {
      const rotated = 'rotated-refresh-7f3a9c2e';
      handler = (req, res) => {
        if (req.url === '/token' && req.method === 'POST') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ access_token: 'tok-rotation', refresh_token: rotated }));
        }
        if (req.headers.authorization !== 'Bearer tok-rotation') return challenge(res, `Bearer realm="${base}/token",service="svc"`);
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: `session ${rotated} failed` }] }));
      };
      const c = new HostClient({ base, credentials: { identityToken: 'original-refresh-1b2c3d' } });
      try {
        await assert.rejects(c.tags('a/b'), (e: unknown) => {
          assert.ok(e instanceof CtrimgError, String(e));
          assert.match(e.message, /session \*\*\* failed/);
          assert.ok(!`${e.message} ${e.hint}`.includes(rotated), e.message);
          return true;
        });
      } finally {
        await c.close();
      }
      assert.equal(log.filter((l) => l.url === '/token').length, 1, 'the rotated token came from one exchange');
    });

    it('drops Authorization when a redirect leaves the origin', async () => {
      const other = createServer((req, res) => {
        log.push({ url: `other:${req.url}`, authorization: req.headers.authorization });
        tags(res);
      });
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
      const otherBase = `http://localhost:${(other.address() as AddressInfo).port}`;
      handler = (req, res) => {
        if (req.url!.startsWith('/same')) return basicServer(req, res);
        if (req.headers.authorization !== basic('alice', 's3cret')) return challenge(res, 'Basic realm="x"');
        res.writeHead(307, { location: req.url!.includes('tags') ? '/same/tags' : `${otherBase}/elsewhere` });
        res.end();
      };
      const c = new HostClient({ base, credentials: { username: 'alice', password: 's3cret' } });
      try {
        assert.deepEqual(await c.tags('a/b'), ['1']);
        await c.catalog().catch(() => undefined);
      } finally {
        await c.close();
        await new Promise<void>((r) => other.close(() => r()));
      }
      const same = log.find((l) => l.url === '/same/tags');
      const elsewhere = log.find((l) => l.url.startsWith('other:'));
      assert.equal(same?.authorization, basic('alice', 's3cret'));
      assert.ok(elsewhere, 'the cross-origin redirect was followed');
      assert.equal(elsewhere.authorization, undefined);
    });
  });
});
