/**
 * Registry error responses (`{"errors":[{"code","message"}]}` or plain status codes) turned
 * into one-line CtrimgErrors that name what was asked for, never credentials.
 */
import { CtrimgError, failed, notFound, type ErrorCode } from '../errors.js';
import { redactSecrets } from '../redact.js';

export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** What a request was for: `subject` is shown to the user, e.g. `127.0.0.1:5000/samples/x:1.0`. */
export interface RequestSubject {
  what: 'manifest' | 'blob' | 'tags' | 'catalog' | 'ping' | 'token';
  subject: string;
}

/** The error entries of a registry error body; empty when the body is not one. */
export function parseErrorBody(body: string): RegistryErrorEntry[] {
  try {
    const v = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(v.errors)) return [];
    return v.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({ code: String(e.code ?? ''), message: String(e.message ?? '') }));
  } catch {
    return [];
  }
}

/**
 * A registry's own words, cut to one short line with anything that looks like a credential
 * removed: some registries echo the request, Authorization header included, in their errors.
 */
function oneLine(s: string, max = 200): string {
  const t = redactSecrets(s.replace(/\s+/g, ' ').trim());
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

/** The codes of our closed set that a registry's "not found" maps to. */
type NotFoundCode = Extract<ErrorCode, 'NAME_UNKNOWN' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'NOT_FOUND'>;

const NOT_FOUND_FOR: Record<RequestSubject['what'], NotFoundCode> = {
  manifest: 'MANIFEST_UNKNOWN',
  blob: 'BLOB_UNKNOWN',
  tags: 'NAME_UNKNOWN',
  catalog: 'NOT_FOUND',
  ping: 'NOT_FOUND',
  token: 'NOT_FOUND',
};

const LABEL: Record<NotFoundCode, string> = {
  NAME_UNKNOWN: 'repository unknown',
  MANIFEST_UNKNOWN: 'manifest unknown',
  BLOB_UNKNOWN: 'blob unknown',
  NOT_FOUND: 'not found',
};

/** Maps a failed registry response to a CtrimgError. */
export function registryError(status: number, body: string, req: RequestSubject): CtrimgError {
  const entries = parseErrorBody(body);
  const codes = new Set(entries.map((e) => e.code.toUpperCase()));
  const detail = entries.length > 0 ? oneLine(entries.map((e) => e.message || e.code).join('; ')) : `HTTP ${status}`;
  const on = req.subject;
  for (const code of ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN', 'BLOB_UNKNOWN'] as const) {
    if (codes.has(code)) return notFound(`${LABEL[code]}: ${on}`, { code });
  }
  if (status === 404) {
    const code = NOT_FOUND_FOR[req.what];
    return notFound(`${LABEL[code]}: ${on}`, { code });
  }
  if (status === 401 || codes.has('UNAUTHORIZED')) {
    return failed(`not authorized to read ${on} (${detail})`, {
      code: 'UNAUTHORIZED',
      hint: 'check the credentials for this registry',
    });
  }
  if (status === 403 || codes.has('DENIED')) {
    return failed(`access denied to ${on} (${detail})`, { code: 'DENIED' });
  }
  if (status === 429 || codes.has('TOOMANYREQUESTS')) {
    return failed(`registry rate limit reached reading ${on} (${detail})`, {
      code: 'TOO_MANY_REQUESTS',
      temporary: true,
      hint: 'wait and try again',
    });
  }
  if (status >= 500) {
    return failed(`registry error reading ${on} (${detail})`, {
      code: 'REGISTRY_ERROR',
      temporary: true,
      hint: 'try again later',
    });
  }
  return failed(`registry refused ${req.what} request for ${on} (${detail})`, { code: 'REGISTRY_ERROR' });
}
