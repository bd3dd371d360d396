import assert from 'node:assert/strict';
import { hasUserinfo, redactSecrets, redactUrl, rememberSecret } from '../../src/redact.js';

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

    describe('removes userinfo whatever characters the password holds', () => {
      const d = `sha256:${'b'.repeat(64)}`;
      // [input, redacted, password]
      const cases: [string, string, string][] = [
        ['http://user:Pw/Z9@127.0.0.1:5000', 'http://127.0.0.1:5000', 'Pw/Z9'],
        ['http://user:Pw#Z9@127.0.0.1:5000', 'http://127.0.0.1:5000', 'Pw#Z9'],
        ['http://user:Pw?Z9@127.0.0.1:5000', 'http://127.0.0.1:5000', 'Pw?Z9'],
        ['http://user:1/Z9@127.0.0.1:5000', 'http://127.0.0.1:5000', '1/Z9'],
        ['http://user:P@Z9@127.0.0.1:5000/v2/', 'http://127.0.0.1:5000/v2/', 'P@Z9'],
        ['http://user:P%40Z9@127.0.0.1:5000', 'http://127.0.0.1:5000', 'P%40Z9'],
        ['user:Pw/Z9@127.0.0.1:5000/repo:1', '127.0.0.1:5000/repo:1', 'Pw/Z9'],
        ['user:Pw?Z9@127.0.0.1:5000/repo:1', '127.0.0.1:5000/repo:1', 'Pw?Z9'],
        ['user:Pw#Z9@127.0.0.1:5000/repo:1', '127.0.0.1:5000/repo:1', 'Pw#Z9'],
        ['user:P@Z9@127.0.0.1:5000/repo:1', '127.0.0.1:5000/repo:1', 'P@Z9'],
        ['user:P%40Z9@127.0.0.1:5000/repo:1', '127.0.0.1:5000/repo:1', 'P%40Z9'],
        [`user:P/@Z9@127.0.0.1:5000/repo@${d}`, `127.0.0.1:5000/repo@${d}`, 'P/@Z9'],
      ];
      for (const [input, want, password] of cases) {
        it(`${input} -> ${want}`, () => {
          assert.equal(redactUrl(input), want);
          assert.equal(hasUserinfo(input), true);
          // As a usage error and a -Debug stack quote it.
          const text = redactSecrets(`Error: invalid '${input}'\n    at parse (${input})`);
          assert.equal(text, `Error: invalid '${want}'\n    at parse (${want})`);
          assert.ok(!text.includes(password), text);
        });
      }
    });

    it('finds no userinfo in a digest reference or a plain URL', () => {
      const d = `sha256:${'c'.repeat(64)}`;
      for (const text of [`127.0.0.1:5000/samples/app@${d}`, `samples/app:1.0@${d}`, 'http://127.0.0.1:5000/v2/', '127.0.0.1:5000/app:1?x']) {
        assert.equal(hasUserinfo(text), false, text);
      }
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

    it('keeps an @ that no host follows, and an address without a password or path', () => {
      const text = 'must not carry credentials (user:password@) (docker login host); mail ops@team';
      assert.equal(redactSecrets(text), text);
    });

    it('removes a remembered credential wherever it appears', () => {
      rememberSecret('Sup3r-s3cret-remembered');
      assert.equal(redactSecrets('wrong password Sup3r-s3cret-remembered for alice'), 'wrong password *** for alice');
    });
  });
});
