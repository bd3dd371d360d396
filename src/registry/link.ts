/** `Link: </v2/_catalog?last=b&n=100>; rel="next"` pagination, as distribution sends it. */
import { failed } from '../errors.js';
import { redactUrl } from '../redact.js';

/**
 * The rel="next" target of a Link header, resolved against the URL that was requested;
 * undefined when there is none.
 */
export function nextLink(header: string | string[] | undefined, requested: URL): URL | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const m of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]*)*)/g)) {
      const params = m[2]!.split(';').map((p) => p.trim());
      const rel = params.find((p) => /^rel\s*=/i.test(p));
      const rels = rel?.replace(/^rel\s*=\s*/i, '').replace(/^"|"$/g, '').toLowerCase().split(/\s+/) ?? [];
      if (!rels.includes('next')) continue;
      if (!URL.canParse(m[1]!, requested)) {
        throw failed(`${redactUrl(requested)} answered with a Link header whose next-page URL is not a valid URL`, { code: 'REGISTRY_ERROR' });
      }
      return new URL(m[1]!, requested);
    }
  }
  return undefined;
}
