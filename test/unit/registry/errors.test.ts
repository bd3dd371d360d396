import assert from 'node:assert/strict';
import { parseErrorBody, registryError, type RequestSubject } from '../../../src/registry/errors.js';

const manifest: RequestSubject = { what: 'manifest', subject: '127.0.0.1:5000/samples/x:1.0' };
const blob: RequestSubject = { what: 'blob', subject: `127.0.0.1:5000/samples/x@sha256:${'0'.repeat(64)}` };
const tags: RequestSubject = { what: 'tags', subject: '127.0.0.1:5000/samples/x' };
const body = (code: string, message = 'msg') => JSON.stringify({ errors: [{ code, message, detail: { x: 1 } }] });

describe('registry/errors', () => {
  it('parses error bodies and tolerates others', () => {
    assert.deepEqual(parseErrorBody(body('DENIED', 'no')), [{ code: 'DENIED', message: 'no' }]);
    assert.deepEqual(parseErrorBody('<html>'), []);
    assert.deepEqual(parseErrorBody('{"errors": 3}'), []);
  });

  const table: [string, number, string, RequestSubject, { kind: string; code: string; temporary?: boolean; message: RegExp }][] = [
    ['MANIFEST_UNKNOWN', 404, body('MANIFEST_UNKNOWN'), manifest, { kind: 'notFound', code: 'MANIFEST_UNKNOWN', message: /^manifest unknown: 127\.0\.0\.1:5000\/samples\/x:1\.0$/ }],
    ['NAME_UNKNOWN on a manifest', 404, body('NAME_UNKNOWN'), manifest, { kind: 'notFound', code: 'NAME_UNKNOWN', message: /^repository unknown: 127.0.0.1:5000\/samples\/x:1.0$/ }],
    ['BLOB_UNKNOWN', 404, body('BLOB_UNKNOWN'), blob, { kind: 'notFound', code: 'BLOB_UNKNOWN', message: /^blob unknown: / }],
    ['bare 404 on a blob', 404, '', blob, { kind: 'notFound', code: 'BLOB_UNKNOWN', message: /blob unknown/ }],
    ['bare 404 on a manifest', 404, 'not found', manifest, { kind: 'notFound', code: 'MANIFEST_UNKNOWN', message: /manifest unknown/ }],
    ['bare 404 on tags', 404, '', tags, { kind: 'notFound', code: 'NAME_UNKNOWN', message: /repository unknown/ }],
    ['401', 401, body('UNAUTHORIZED', 'authentication required'), tags, { kind: 'failed', code: 'UNAUTHORIZED', message: /not authorized to read 127.0.0.1:5000\/samples\/x \(authentication required\)/ }],
    ['403', 403, '', tags, { kind: 'failed', code: 'DENIED', message: /access denied to .*HTTP 403/ }],
    ['DENIED body', 400, body('DENIED', 'requested access to the resource is denied'), tags, { kind: 'failed', code: 'DENIED', message: /resource is denied/ }],
    ['429', 429, body('TOOMANYREQUESTS'), manifest, { kind: 'failed', code: 'TOO_MANY_REQUESTS', temporary: true, message: /rate limit/ }],
    ['503', 503, '<html>\n<body>down</body>\n</html>', manifest, { kind: 'failed', code: 'REGISTRY_ERROR', temporary: true, message: /HTTP 503/ }],
    ['other 4xx', 400, body('MANIFEST_INVALID', 'line one\nline two'), manifest, { kind: 'failed', code: 'REGISTRY_ERROR', temporary: false, message: /line one line two/ }],
  ];
  for (const [name, status, text, req, want] of table) {
    it(`maps ${name}`, () => {
      const e = registryError(status, text, req);
      assert.equal(e.kind, want.kind);
      assert.equal(e.code, want.code);
      if (want.temporary !== undefined) assert.equal(e.temporary, want.temporary);
      assert.match(e.message, want.message);
      assert.ok(!e.message.includes('\n'));
    });
  }

  it('keeps long registry messages to one short line', () => {
    const e = registryError(400, body('X', 'y'.repeat(1000)), manifest);
    assert.ok(e.message.length < 300);
  });

  it('shows only code and message, with echoed Authorization values and tokens removed', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJhY2Nlc3MiOltdfQ.c2lnbmF0dXJlLWJ5dGVz';
    const echo = JSON.stringify({
      errors: [{ code: 'DENIED', message: `bad token: Bearer ${jwt}, authorization: Basic YWxpY2U6cHc=`, detail: { Authorization: `Bearer ${jwt}` } }],
    });
    const e = registryError(403, echo, tags);
    assert.match(e.message, /^access denied to 127\.0\.0\.1:5000\/samples\/x \(bad token: \*\*\* \*\*\*, authorization: \*\*\*\)$/);
    const plain = registryError(401, `GET /v2/ HTTP/1.1\r\nAuthorization: Basic YWxpY2U6cHc=\r\n`, tags);
    assert.match(plain.message, /\(HTTP 401\)$/, 'a body that is not a registry error is not shown');
  });
});
