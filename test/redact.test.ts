import assert from 'node:assert/strict';
import { redactSecrets, redactUrl, rememberSecret } from '../src/redact.js';

describe('redact', () => {
  describe('redactUrl', () => {
    it('removes userinfo, query and fragment from a URL', () => {
      assert.equal(redactUrl('http://user:pass@127.0.0.1:5000/v2/?token=x'), 'http://127.0.0.1:5000/v2/');
      assert.equal(redactUrl(new URL('https://u@127.0.0.1/v2/x/blobs/sha256:ab?X-Amz-Signature=s#f')), 'https://127.0.0.1/v2/x/blobs/sha256:ab');
    });

    it('keeps a URL with nothing to remove exactly as written', () => {
      assert.equal(redactUrl('http://127.0.0.1:5000'), 'http://127.0.0.1:5000');
    });

    it('redacts what URL cannot parse, and references, as text', () => {
      assert.equal(redactUrl('http://us er:p w@127.0.0.1:99999/?t=1'), 'http://127.0.0.1:99999/');
      assert.equal(redactUrl('ht!tp://x'), 'ht!tp://x');
      assert.equal(redactUrl('user:pass@127.0.0.1:5000/samples/app:1.0'), '127.0.0.1:5000/samples/app:1.0');
      assert.equal(redactUrl('127.0.0.1:5000/samples/app:1.0?token=x'), '127.0.0.1:5000/samples/app:1.0');
    });

    it('leaves tags and digests of a reference alone', () => {
      const d = `sha256:${'a'.repeat(64)}`;
      for (const ref of [`127.0.0.1:5000/samples/app:1.0@${d}`, `samples/app@${d}`, `127.0.0.1:5000/samples/app@${d}`]) {
        assert.equal(redactUrl(ref), ref);
      }
    });
  });

  describe('redactSecrets', () => {
    it('removes Authorization values, Basic and Bearer tokens, JWTs and secret parameters', () => {
      const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
      const text = redactSecrets(
        `bad header Authorization: Basic YWxpY2U6cHc= and "authorization":"Bearer ${jwt}"; token ${jwt}; password=hunter22 Bearer abc.def`,
      );
      for (const secret of ['YWxpY2U6cHc=', jwt, 'hunter22', 'abc.def']) assert.ok(!text.includes(secret), text);
      assert.match(text, /^bad header Authorization: \*\*\*/);
    });

    it('redacts every URL and user:pass@ reference in free text', () => {
      const text = redactSecrets("GET http://alice:pw1@127.0.0.1:5000/v2/?token=x failed for 'alice:pw1@127.0.0.1:5000/samples/app:1.0'");
      assert.equal(text, "GET http://127.0.0.1:5000/v2/ failed for '127.0.0.1:5000/samples/app:1.0'");
    });

    it('removes a remembered credential wherever it appears', () => {
      rememberSecret('Sup3r-s3cret-remembered');
      assert.equal(redactSecrets('wrong password Sup3r-s3cret-remembered for alice'), 'wrong password *** for alice');
    });
  });
});
