/**
 * Redaction: what of a URL, a reference or a registry's text may reach a message, a log line
 * or an exception. Credentials are removed, never masked in place: a URL or reference keeps
 * its scheme, host and path and loses its userinfo (`user:pass@`), query and fragment, so
 * `http://user:pass@127.0.0.1:5000/v2/?token=x` becomes `http://127.0.0.1:5000/v2/`. Free text
 * (a registry's error message, a stack) also loses Authorization values, JWTs and the secrets
 * this process has read (rememberSecret), each replaced by `***`.
 */

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/**
 * What follows the `@` of a digest reference (`repo@sha256:<hex>`): an algorithm and at least
 * 32 hex digits, which no `host:port` can be.
 */
const DIGEST_AFTER_AT = /^[a-z][a-z0-9]*(?:[+._-][a-z][a-z0-9]*)*:[a-f0-9]{32,}\b/i;

/**
 * Where the userinfo of a URL-like or reference-like token ends (`from` when it has none): just
 * past its last `@` that does not start a digest. A password may hold `/`, `?`, `#` or `@`, so
 * no character before that `@` can be trusted to end the userinfo.
 */
function userinfoEnd(token: string, from: number): number {
  for (let at = token.lastIndexOf('@'); at >= from; at = at === 0 ? -1 : token.lastIndexOf('@', at - 1)) {
    if (!DIGEST_AFTER_AT.test(token.slice(at + 1))) return at + 1;
  }
  return from;
}

/** True when a URL (`scheme://user:pass@host`) or reference (`user:pass@host/repo`) carries userinfo. */
export function hasUserinfo(text: string): boolean {
  const from = SCHEME.exec(text)?.[0].length ?? 0;
  return userinfoEnd(text, from) > from;
}

/** A URL or an image reference with its userinfo, query and fragment removed. */
export function redactUrl(value: string | URL): string {
  // A parsed URL knows its userinfo; origin is 'null' for schemes URL does not know.
  if (value instanceof URL && value.origin !== 'null') return `${value.origin}${value.pathname}`;
  const text = String(value);
  const scheme = SCHEME.exec(text)?.[0] ?? '';
  // Userinfo first: its password may hold the '?' or '#' that would otherwise start a query.
  return scheme + text.slice(userinfoEnd(text, scheme.length)).replace(/[?#].*$/s, '');
}

const secrets = new Set<string>();

/** A credential this process holds (a password, token or base64 `user:pass`): never shown. */
export function rememberSecret(secret: string | undefined): void {
  // Very short values would blank out ordinary words; no real credential is that short.
  if (secret && secret.length >= 4) secrets.add(secret);
}

/** A run of text that may be a URL or a reference: up to whitespace, a quote or an angle bracket. */
const TOKEN = /[^\s'"<>`]+/g;
const SCHEME_IN_TOKEN = /[a-z][a-z0-9+.-]*:\/\//i;
/** After a bare token's userinfo: `host[:port]/` (a reference), so a mail address `ops@team` is kept. */
const HOST_THEN_PATH = /^[a-z0-9.-]+(?::\d+)?\//i;

/**
 * One token of free text redacted: a URL in it (after a `(` or `url=`, say) as redactUrl does;
 * a reference loses its userinfo only, as a `?` in prose is no query.
 */
function redactToken(token: string): string {
  const url = SCHEME_IN_TOKEN.exec(token);
  if (url) return token.slice(0, url.index) + redactUrl(token.slice(url.index));
  const lead = /^[([{=]*/.exec(token)![0].length;
  const end = userinfoEnd(token, lead);
  if (end === lead) return token;
  const userinfo = token.slice(lead, end - 1);
  const rest = token.slice(end);
  // A host must follow: '(user:password@)' in our own hints is no credential.
  const isUserinfo = /^[a-z0-9[]/i.test(rest) && (userinfo.includes(':') || HOST_THEN_PATH.test(rest));
  return isUserinfo ? token.slice(0, lead) + rest : token;
}

const AUTHORIZATION = /\b((?:proxy-)?authorization["']?\s*[:=]\s*)["']?[^"'\r\n,;}]*/gi;
const SCHEME_TOKEN = /\b(basic|bearer)\s+[a-z0-9._~+/-]+=*/gi;
const JWT = /\beyJ[a-z0-9_-]+\.[a-z0-9_-]+\.[a-z0-9_-]*/gi;
const SECRET_PARAM = /\b(password|passwd|pwd|secret|token|access_token|refresh_token|identitytoken)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi;

/** Free text with every URL and reference redacted and anything that looks like a credential removed. */
export function redactSecrets(text: string): string {
  let out = text
    .replace(AUTHORIZATION, '$1***')
    .replace(SCHEME_TOKEN, '$1 ***')
    .replace(JWT, '***')
    .replace(SECRET_PARAM, '$1$2***')
    .replace(TOKEN, redactToken);
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
