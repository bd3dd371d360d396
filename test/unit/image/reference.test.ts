import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import type { Digest } from '../../../src/image/digest.js';
import { formatReference, parseReference } from '../../../src/image/reference.js';

const D: Digest = `sha256:${'a'.repeat(64)}`;

describe('image/reference', () => {
  const good: [string, ReturnType<typeof parseReference>][] = [
    ['127.0.0.1:5000/samples/x:1.0', { registry: '127.0.0.1:5000', repository: 'samples/x', tag: '1.0' }],
    ['localhost/a', { registry: 'localhost', repository: 'a' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    ['mcr.microsoft.com/windows/nanoserver:ltsc2022', { registry: 'mcr.microsoft.com', repository: 'windows/nanoserver', tag: 'ltsc2022' }],
    [`reg.io/a@${D}`, { registry: 'reg.io', repository: 'a', digest: D }],
    [`reg.io/a:v1@${D}`, { registry: 'reg.io', repository: 'a', tag: 'v1', digest: D }],
    ['reg.io/a.b_c__d-e--f:Tag_1.2-x', { registry: 'reg.io', repository: 'a.b_c__d-e--f', tag: 'Tag_1.2-x' }],
    ['Registry/a', { registry: 'Registry', repository: 'a' }],
    ['[::1]:5000/a:1', { registry: '[::1]:5000', repository: 'a', tag: '1' }],
  ];
  for (const [input, want] of good) {
    it(`parses ${input}`, () => {
      const ref = parseReference(input);
      assert.deepEqual(ref, want);
      assert.equal(formatReference(ref), input);
    });
  }

  it('uses the default registry only when the first component is not a host', () => {
    assert.deepEqual(parseReference('samples/x:1', 'mcr.microsoft.com'), {
      registry: 'mcr.microsoft.com',
      repository: 'samples/x',
      tag: '1',
    });
    assert.deepEqual(parseReference('nanoserver', 'r.io'), { registry: 'r.io', repository: 'nanoserver' });
    assert.equal(parseReference('h.io/x', 'r.io').registry, 'h.io');
  });

  const bad = [
    'samples/x:1.0', // no registry
    'nanoserver',
    'reg.io/A', // upper case repository
    'reg.io/a//b',
    'reg.io/-a',
    'reg.io/a-',
    'reg.io/a:.tag',
    `reg.io/a:${'t'.repeat(129)}`,
    'reg.io/a@sha256:abc',
    `reg.io/a@sha512:${'a'.repeat(128)}`,
    'reg.io/',
    'bad_host.io/a',
    `reg.io/${'a'.repeat(250)}`,
  ];
  for (const input of bad) {
    it(`rejects ${input.slice(0, 40)} as a usage error`, () => {
      assert.throws(
        () => parseReference(input),
        (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && !e.message.includes('\n'),
      );
    });
  }
});
