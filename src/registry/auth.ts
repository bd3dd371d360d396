/**
 * Registry auth driven by the `WWW-Authenticate` challenge of a 401: `Basic` is answered
 * with the credentials, `Bearer realm=,service=,scope=` by fetching a token from the realm
 * (with Basic credentials when we have them), or, when the credentials are an OAuth identity
 * token, by the OAuth2 refresh-token grant POSTed to the realm (the distribution token spec's
 * OAuth2 section). Tokens are cached per scope until they expire.
 * Credentials, fixed or from a provider (the Docker config), are looked up on the first challenge,
 * so anonymous registries never cause a lookup.
 */
import { failed } from '../errors.js';
import { rememberSecret } from '../redact.js';
import { registryError } from './errors.js';
import { displayUrl, readCapped, type HttpResponse, type Transport } from './transport.js';

export interface Credentials {
  username: string;
  password: string;
}

/** An OAuth2 refresh token from an OAuth `docker login` (config.json `identitytoken`). */
export interface IdentityToken {
  identityToken: string;
}

export type RegistryCredentials = Credentials | IdentityToken;

/** Looked up only when a registry challenges, with the registry's host[:port]. */
export type CredentialsProvider = (host: string) => Promise<RegistryCredentials | undefined>;

export interface Challenge {
  /** Lower-cased, e.g. `bearer`. */
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
// One item: a token, optionally `= token` or `= "quoted"`. A bare token starts a challenge.
const ITEM = new RegExp(`[\\s,]*(${TOKEN})(?:\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|(${TOKEN})))?`, 'y');

/** Parses RFC 7235 challenges, several per header value or over several values. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const value of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    let current: Challenge | undefined;
    ITEM.lastIndex = 0;
    for (let m = ITEM.exec(value); m; m = ITEM.exec(value)) {
      const [, name, quoted, plain] = m;
      if (quoted === undefined && plain === undefined) {
        current = { scheme: name!.toLowerCase(), params: {} };
        out.push(current);
      } else if (current) {
        current.params[name!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : plain!;
      }
    }
  }
  return out;
}

export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

const MAX_TOKEN_RESPONSE = 1024 * 1024;
/** How ctrimg names itself to OAuth token servers, which require a client_id. */
const CLIENT_ID = 'ctrimg';
/** The token spec's default lifetime when the server gives none. */
const DEFAULT_EXPIRES_IN = 60;

export class Authenticator {
  /** Set once the registry asked for Basic: from then on it is sent up front. */
  private basic = false;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private resolved?: Promise<RegistryCredentials | undefined>;
  private credentials?: Credentials;
  /** The OAuth refresh token; replaced when the token server hands out a new one. */
  private identityToken?: string;

  constructor(
    private readonly transport: Transport,
    private readonly base: URL,
    private readonly source?: RegistryCredentials | CredentialsProvider,
  ) {}

  /** The Authorization header to send for `scope` before any challenge, if we have one. */
  header(scope: string): string | undefined {
    const t = this.tokens.get(scope);
    if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
    if (this.basic && this.credentials) return basicAuthorization(this.credentials);
    return undefined;
  }

  /** The credentials, looked up once, on the first challenge. */
  private async resolve(): Promise<void> {
    const source = this.source;
    const found = await (this.resolved ??= typeof source === 'function' ? source(this.base.host) : Promise.resolve(source));
    if (found && 'identityToken' in found) this.identityToken ??= found.identityToken;
    else this.credentials = found;
    // Whatever a registry echoes back, or a stack quotes, these are cut out of it (redact.ts).
    rememberSecret(this.identityToken);
    if (this.credentials) {
      rememberSecret(this.credentials.password);
      rememberSecret(basicAuthorization(this.credentials).slice('Basic '.length));
    }
  }

  /**
   * Answers a 401's challenge for a request needing `scope` (e.g. `repository:a/b:pull`);
   * returns the Authorization header to retry with, or undefined when we cannot answer.
   */
  async respond(challenge: string | string[] | undefined, scope: string, signal?: AbortSignal): Promise<string | undefined> {
    const challenges = parseChallenges(challenge);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.some((c) => c.scheme === 'basic');
    if (!bearer && !basic) return undefined;
    await this.resolve();
    if (bearer) return `Bearer ${await this.fetchToken(bearer.params, scope, signal)}`;
    if (this.credentials) {
      this.basic = true;
      return basicAuthorization(this.credentials);
    }
    return undefined;
  }

  private async fetchToken(params: Record<string, string>, scope: string, signal?: AbortSignal): Promise<string> {
    const registry = this.base.host;
    let realm: URL | undefined;
    try {
      realm = new URL(params.realm!);
    } catch {
      // reported just below
    }
    if (!realm || (realm.protocol !== 'https:' && realm.protocol !== 'http:')) {
      throw failed(`${registry} sent an auth challenge with an unusable realm`, { code: 'UNAUTHORIZED' });
    }
    const scopes = params.scope ? params.scope.split(' ').filter(Boolean) : [scope];
    // Never send a secret in clear text to the token server of an https registry.
    const secure = realm.protocol === 'https:' || this.base.protocol === 'http:';
    const refreshToken = secure ? this.identityToken : undefined;
    const basic = secure ? this.credentials : undefined;
    const res = refreshToken !== undefined ? await this.exchange(realm, refreshToken, params.service, scopes, signal) : await this.get(realm, basic, params.service, scopes, signal);
    const tooLarge = () => failed(`token response from ${displayUrl(realm)} is too large`, { code: 'UNAUTHORIZED' });
    const body = await readCapped(res, MAX_TOKEN_RESPONSE, tooLarge, this.transport.retry.bodyDeadlineMs);
    // OAuth2 servers refuse a bad grant with 400 invalid_grant; the token spec's GET with 401.
    if (res.status === 401 || res.status === 403 || (refreshToken !== undefined && res.status === 400)) {
      const what = refreshToken !== undefined ? 'the identity token' : basic ? 'the credentials' : 'anonymous access';
      throw failed(`the token server for ${registry} refused ${what}`, {
        code: 'UNAUTHORIZED',
        hint: refreshToken !== undefined ? 'log in to this registry again' : basic ? 'check the user name and password' : 'supply credentials for this registry',
      });
    }
    // A server may echo the form back in an error: the refresh token is cut out of what we show.
    const text = refreshToken !== undefined ? body.toString('utf8').split(refreshToken).join('<identity token>') : body.toString('utf8');
    if (res.status !== 200) throw registryError(res.status, text, { what: 'token', subject: displayUrl(realm) });
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = {};
    }
    const token = typeof json.token === 'string' && json.token ? json.token : json.access_token;
    if (typeof token !== 'string' || !token) {
      throw failed(`the token server for ${registry} answered without a token`, { code: 'UNAUTHORIZED' });
    }
    rememberSecret(token);
    // An OAuth server may rotate the refresh token: the old one may no longer work.
    if (refreshToken !== undefined && typeof json.refresh_token === 'string' && json.refresh_token) {
      this.identityToken = json.refresh_token;
      rememberSecret(this.identityToken);
    }
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_EXPIRES_IN;
    // Renew a little early so a token does not expire between cache check and use.
    const margin = Math.min(10, expiresIn / 10);
    this.tokens.set(scope, { token, expiresAt: Date.now() + (expiresIn - margin) * 1000 });
    return token;
  }

  /** The token spec's GET: `?service=&scope=`, with Basic credentials when we have them. */
  private get(realm: URL, basic: Credentials | undefined, service: string | undefined, scopes: string[], signal?: AbortSignal): Promise<HttpResponse> {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (basic) headers.authorization = basicAuthorization(basic);
    return this.transport.get(url, { headers, signal });
  }

  /** The OAuth2 refresh-token grant, the form POSTed to the realm. */
  private exchange(realm: URL, refreshToken: string, service: string | undefined, scopes: string[], signal?: AbortSignal): Promise<HttpResponse> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (service) form.set('service', service);
    form.set('scope', scopes.join(' '));
    form.set('client_id', CLIENT_ID);
    return this.transport.postForm(realm, form, { headers: { accept: 'application/json' }, signal });
  }
}
