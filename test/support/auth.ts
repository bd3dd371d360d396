/**
 * Test support: registries that require authentication.
 *
 * - startBasicAuthRegistry: distribution's htpasswd auth (bcrypt entry from `htpasswd -Bbn`),
 *   over plain http on loopback.
 * - startTokenAuthRegistry: distribution's token auth plus a small token server (node:http)
 *   that signs ES256 JWTs carrying its self-signed certificate in the `x5c` header; the
 *   registry trusts that certificate through `rootcertbundle`. Every token request is
 *   recorded so tests can assert on scopes and on whether credentials were sent. The OAuth2
 *   form POST takes `grant_type=password`, and `grant_type=refresh_token` with the refresh
 *   tokens given in `refreshTokens` (as an OAuth `docker login` would have issued them).
 *
 * Credentials for skopeo: pass `{creds: {username, password}}` to publishImage/publishIndex.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type RunningRegistry } from './registry.js';
import { run } from './oci-layout.js';

export interface BasicAuthRegistry extends RunningRegistry {
  username: string;
  password: string;
  /** `Basic <base64(user:pass)>` */
  authorization: string;
}

export interface AuthRegistryOptions {
  /** Extra top-level YAML for the registry config (must not contain an `auth:` block). */
  extraConfig?: string;
}

function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A registry that requires HTTP Basic auth for every request (htpasswd, bcrypt). */
export async function startBasicAuthRegistry(
  username: string,
  password: string,
  opts: AuthRegistryOptions = {},
): Promise<BasicAuthRegistry> {
  const authDir = await mkdtemp(join(tmpdir(), 'ctrimg-htpasswd-'));
  try {
    const { stdout } = await run('htpasswd', ['-Bbn', username, password]);
    const htpasswdPath = join(authDir, 'htpasswd');
    await writeFile(htpasswdPath, stdout.toString('utf8').trim() + '\n', { mode: 0o600 });
    const registry = await startRegistry({
      extraConfig: [
        'auth:',
        '  htpasswd:',
        '    realm: ctrimg-test-registry',
        `    path: ${htpasswdPath}`,
        opts.extraConfig ?? '',
      ].join('\n'),
    });
    return {
      ...registry,
      username,
      password,
      authorization: basicHeader(username, password),
      async stop() {
        await registry.stop();
        await rm(authDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(authDir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// token auth

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  method: string;
  /** Full request URL path + query. */
  url: string;
  service: string | null;
  /** Each `scope` parameter, as sent (e.g. `repository:samples/webapp:pull,push`). */
  scopes: string[];
  /** Whether an `Authorization: Basic` header (or POST password grant) was sent. */
  basic: boolean;
  /** User name from the credentials or the refresh token's owner, if any (never a secret). */
  username: string | null;
  /** `grant_type` of an OAuth2 form POST (`password`, `refresh_token`); null for GET. */
  grantType: string | null;
  /** `client_id` of an OAuth2 form POST; null for GET. */
  clientId: string | null;
  /** Content-Type of a POST (its media type only); null for GET. */
  contentType: string | null;
  /** `account` query parameter, if any. */
  account: string | null;
  /** HTTP status returned. */
  status: number;
  /** Access granted in the issued token (empty when refused). */
  granted: AccessEntry[];
}

export type AnonymousPolicy =
  /** No credentials -> 401 from the token endpoint (default). */
  | 'reject'
  /** No credentials -> a token with no access (the registry then answers 401 insufficient_scope). */
  | 'empty'
  /** No credentials -> a token granting `pull` on the requested repositories (a public registry). */
  | 'pull';

export interface TokenAuthOptions extends AuthRegistryOptions {
  /** user -> password */
  users: Record<string, string>;
  /** OAuth2 refresh token -> user, accepted by the `grant_type=refresh_token` POST. */
  refreshTokens?: Record<string, string>;
  anonymous?: AnonymousPolicy;
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
  service?: string;
  issuer?: string;
  /**
   * Custom policy: which actions to grant `username` (null = anonymous) for a requested scope.
   * Default: authenticated users get everything they ask for; anonymous per `anonymous`.
   */
  grant?: (username: string | null, requested: AccessEntry) => string[];
}

export interface TokenAuthRegistry {
  registry: RunningRegistry;
  /** The token endpoint (the `realm` of the registry's Bearer challenge). */
  tokenUrl: string;
  service: string;
  issuer: string;
  /** Every request the token server received, in order. */
  requests: TokenRequestRecord[];
  /** Signs a token directly (e.g. to test expiry: `mintToken({access, expiresIn: -60})`). */
  mintToken(opts: { subject?: string; access: AccessEntry[]; expiresIn?: number; audience?: string }): string;
  stop(): Promise<void>;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** `repository:samples/x:pull,push` -> {type, name, actions}; name may itself contain ':'. */
export function parseScope(scope: string): AccessEntry | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((a) => a.length > 0),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts a token server and a registry configured to trust it. GET `<tokenUrl>?service=..&scope=..`
 * (optionally with Basic auth) and the OAuth2 form POST (`grant_type=password` or `refresh_token`) all work.
 */
export async function startTokenAuthRegistry(opts: TokenAuthOptions): Promise<TokenAuthRegistry> {
  const service = opts.service ?? 'ctrimg-test-registry';
  const issuer = opts.issuer ?? 'ctrimg-test-token-issuer';
  const expiresIn = opts.expiresIn ?? 300;
  const anonymous = opts.anonymous ?? 'reject';
  const dir = await mkdtemp(join(tmpdir(), 'ctrimg-token-auth-'));
  let server: Server | undefined;
  let registry: RunningRegistry | undefined;
  try {
    // ES256 key (node:crypto) and a self-signed certificate for it (openssl).
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyPath = join(dir, 'token.key');
    const certPath = join(dir, 'token.crt');
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await run('openssl', ['req', '-x509', '-new', '-key', keyPath, '-subj', `/CN=${issuer}`, '-days', '2', '-out', certPath]);
    const certPem = await readFile(certPath, 'utf8');
    const x5c = new X509Certificate(certPem).raw.toString('base64');
    const key: KeyObject = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));

    const mintToken: TokenAuthRegistry['mintToken'] = (t) => {
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'ES256', x5c: [x5c] };
      const claims = {
        iss: issuer,
        sub: t.subject ?? '',
        aud: t.audience ?? service,
        exp: now + (t.expiresIn ?? expiresIn),
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access: t.access,
      };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
      return `${signingInput}.${b64url(sig)}`;
    };

    const requests: TokenRequestRecord[] = [];
    const decide = (username: string | null, requested: AccessEntry): string[] => {
      if (opts.grant) return opts.grant(username, requested);
      if (username !== null) return requested.actions;
      if (anonymous === 'pull') return requested.actions.filter((a) => a === 'pull');
      return [];
    };

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let params = url.searchParams;
      let username: string | null = null;
      let password: string | null = null;
      let basic = false;
      let refresh = false;
      const authz = req.headers.authorization;
      if (authz && /^basic /i.test(authz)) {
        basic = true;
        const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        username = i >= 0 ? decoded.slice(0, i) : decoded;
        password = i >= 0 ? decoded.slice(i + 1) : '';
      }
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        params = form;
        if (form.get('grant_type') === 'password') {
          basic = true;
          username = form.get('username');
          password = form.get('password');
        } else if (form.get('grant_type') === 'refresh_token') {
          refresh = true;
          const token = form.get('refresh_token') ?? '';
          username = opts.refreshTokens && Object.hasOwn(opts.refreshTokens, token) ? opts.refreshTokens[token]! : null;
        }
      }
      const posted = req.method === 'POST' ? params : null;
      const scopes = params.getAll('scope').flatMap((s) => s.split(' ').filter((x) => x.length > 0));
      const record: TokenRequestRecord = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        service: params.get('service'),
        scopes,
        basic,
        username,
        grantType: posted?.get('grant_type') ?? null,
        clientId: posted?.get('client_id') ?? null,
        contentType: req.method === 'POST' ? (req.headers['content-type'] ?? '').split(';')[0]!.trim() : null,
        account: params.get('account'),
        status: 0,
        granted: [],
      };
      requests.push(record);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
        reply(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
        return;
      }
      if (refresh) {
        // RFC 6749 5.2: a bad refresh token is a 400 invalid_grant; the spec requires client_id.
        if (!posted?.get('client_id')) {
          reply(400, { error: 'invalid_request', error_description: 'client_id is required' });
          return;
        }
        if (username === null) {
          reply(400, { error: 'invalid_grant', error_description: 'unknown refresh token' });
          return;
        }
      } else if (basic) {
        if (username === null || !(username in opts.users) || opts.users[username] !== password) {
          reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }, {
            'www-authenticate': 'Basic realm="ctrimg-test-token"',
          });
          return;
        }
      } else if (anonymous === 'reject') {
        reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, {
          'www-authenticate': 'Basic realm="ctrimg-test-token"',
        });
        return;
      }
      const granted: AccessEntry[] = [];
      for (const s of scopes) {
        const requested = parseScope(s);
        if (!requested) continue;
        const actions = decide(basic || refresh ? username : null, requested);
        if (actions.length > 0) granted.push({ type: requested.type, name: requested.name, actions });
      }
      record.granted = granted;
      const token = mintToken({ subject: basic || refresh ? (username ?? '') : '', access: granted });
      if (refresh) {
        // The OAuth2 answer: access_token only, as the spec's OAuth2 section shows it.
        reply(200, { access_token: token, scope: scopes.join(' '), expires_in: expiresIn, issued_at: new Date().toISOString() });
        return;
      }
      reply(200, {
        token,
        access_token: token,
        expires_in: expiresIn,
        issued_at: new Date().toISOString(),
      });
    };

    server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    const srv = server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = srv.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const tokenUrl = `http://127.0.0.1:${port}/token`;

    registry = await startRegistry({
      extraConfig: [
        'auth:',
        '  token:',
        `    realm: ${tokenUrl}`,
        `    service: ${service}`,
        `    issuer: ${issuer}`,
        `    rootcertbundle: ${certPath}`,
        opts.extraConfig ?? '',
      ].join('\n'),
    });
    const reg = registry;
    return {
      registry: reg,
      tokenUrl,
      service,
      issuer,
      requests,
      mintToken,
      async stop() {
        await reg.stop();
        await new Promise<void>((resolve) => {
          srv.close(() => resolve());
          srv.closeAllConnections();
        });
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (registry) await registry.stop();
    if (server) server.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Fetches a token from the token server the way a registry client would. */
export async function fetchToken(
  tokenUrl: string,
  service: string,
  scopes: string[],
  creds?: { username: string; password: string },
): Promise<{ status: number; token?: string }> {
  const u = new URL(tokenUrl);
  u.searchParams.set('service', service);
  for (const s of scopes) u.searchParams.append('scope', s);
  const res = await fetch(u, { headers: creds ? { authorization: basicHeader(creds.username, creds.password) } : {} });
  const body = (await res.json()) as { token?: string };
  return { status: res.status, token: body.token };
}
