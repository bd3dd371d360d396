/**
 * Redaction: what of a URL, a reference or a registry's text may reach a message, a log line
 * or an exception. Credentials are removed, never masked in place: a URL or reference keeps
 * its scheme, host and path and loses its userinfo (`user:pass@`), query and fragment, so
 * `http://user:pass@127.0.0.1:5000/v2/?token=x` becomes `http://127.0.0.1:5000/v2/`. Free text
 * (a registry's error message, a stack) also loses Authorization values, JWTs and the secrets
 * this process has read (rememberSecret), each replaced by `***`.
 */

const SCHEME_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;
/** `user:pass@host/...` with no scheme (a reference): an `@` before the first `/`. */
const BARE_USERINFO = /^[^/?#]*@(?=[^/?#@]*\/)/;

/** A URL or an image reference with its userinfo, query and fragment removed. */
export function redactUrl(value: string | URL): string {
  const text = String(value);
  // Nothing to remove: the text stays exactly as written (no trailing '/' added).
  if (!/[@?#]/.test(text)) return text;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      // origin is 'null' for schemes URL does not know; the textual path below covers those.
      if (url.origin !== 'null') return `${url.origin}${url.pathname}`;
    } catch {
      // Not a URL we can parse: redact it as text.
    }
  }
  return text.replace(SCHEME_USERINFO, '$1').replace(BARE_USERINFO, '').replace(/[?#].*$/s, '');
}

const secrets = new Set<string>();

/** A credential this process holds (a password, token or base64 `user:pass`): never shown. */
export function rememberSecret(secret: string | undefined): void {
  // Very short values would blank out ordinary words; no real credential is that short.
  if (secret && secret.length >= 4) secrets.add(secret);
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]+/gi;
/** `user:pass@host[:port]/` at the start of a word: a reference carrying credentials. */
const REFERENCE_USERINFO = /(^|[\s'"(=])[^\s'"(/@]+@(?=[a-z0-9.-]+(?::\d+)?\/)/gi;
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
    .replace(URL_IN_TEXT, (u) => redactUrl(u))
    .replace(REFERENCE_USERINFO, '$1');
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
