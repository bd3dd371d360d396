/** The one hashing helper: the same digest whole, in chunks, over a stream, and as a pass-through. */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream, Sha256, sha256, sha256Of } from '../../../src/image/digest.js';
import { VerifyStream } from '../../../src/image/verify.js';
import { CtrimgError } from '../../../src/errors.js';

// sha256("abc"), FIPS 180-2 appendix B.1.
const ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('image/digest: hashing', () => {
  const data = Buffer.from('a'.repeat(1000) + 'bc'.repeat(777));
  const chunks = [data.subarray(0, 1), data.subarray(1, 500), data.subarray(500, 2001), data.subarray(2001)];

  it('gives the standard digest', () => {
    assert.equal(sha256('abc'), ABC);
    assert.equal(new Sha256().update('a').update(Buffer.from('bc')).digest(), ABC);
  });

  it('gives the same digest and count whole, in chunks and over a stream', async () => {
    const whole = sha256(data);
    const inc = new Sha256();
    for (const c of chunks) inc.update(c);
    assert.equal(inc.digest(), whole);
    assert.equal(inc.bytes, data.length);
    assert.equal(await sha256Of(Readable.from(chunks)), whole);
  });

  it('refuses bytes after the digest was taken', () => {
    const h = new Sha256().update('abc');
    assert.equal(h.digest(), ABC);
    assert.equal(h.digest(), ABC);
    assert.throws(() => h.update('more'));
  });

  it('passes bytes through a DigestStream unchanged and digests them once it ended', async () => {
    const stream = new DigestStream();
    assert.throws(() => stream.digest(), /before the stream ended/);
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), stream, new Writable({ write: (c: Buffer, _e, cb) => void (out.push(c), cb()) }));
    assert.deepEqual(Buffer.concat(out), data);
    assert.equal(stream.digest(), sha256(data));
    assert.equal(stream.bytes, data.length);
  });

  it('VerifyStream errors with DIGEST_MISMATCH on wrong bytes, SIZE_MISMATCH on a wrong size (as the content store names them)', async () => {
    const drain = () => new Writable({ write: (_c, _e, cb) => cb() });
    await pipeline(Readable.from(chunks), new VerifyStream('blob', sha256(data), data.length), drain());
    const code = (c: string) => (err: unknown) => err instanceof CtrimgError && err.code === c;
    await assert.rejects(pipeline(Readable.from(chunks), new VerifyStream('blob', ABC), drain()), code('DIGEST_MISMATCH'));
    await assert.rejects(pipeline(Readable.from(chunks), new VerifyStream('blob', sha256(data), data.length + 1), drain()), code('SIZE_MISMATCH'));
    await assert.rejects(pipeline(Readable.from(chunks), new VerifyStream('blob', sha256(data), data.length - 1), drain()), code('SIZE_MISMATCH'));
  });
});
