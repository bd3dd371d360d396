/**
 * BlobFetch's contract, as verifiedFetch gives it to a source: from offset 0 the stream fails at
 * its end unless it is exactly the descriptor's bytes; from a later offset, or for a caller that
 * verifies the whole blob itself, the bytes pass as served; `rejected` is the wrapped fetch's.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { sha256 } from '../../../src/image/digest.js';
import { verifiedFetch, type BlobFetch } from '../../../src/image/source.js';

const bytes = Buffer.from('the bytes of a blob, served in pieces');
const desc = { digest: sha256(bytes), size: bytes.length };
const isCode = (code: string) => (e: unknown) => e instanceof CtrimgError && e.code === code;

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Serves `served` from the offset asked for, in pieces of 5 bytes. */
function serving(served: Buffer): BlobFetch {
  return async (offset) => {
    const rest = served.subarray(offset);
    const pieces: Buffer[] = [];
    for (let i = 0; i < rest.length; i += 5) pieces.push(rest.subarray(i, i + 5));
    return Readable.from(pieces);
  };
}

describe('image/source verifiedFetch', () => {
  it('serves the right bytes whole from offset 0, and the rest from a later offset', async () => {
    const fetch = verifiedFetch('blob', desc, serving(bytes));
    assert.deepEqual(await readAll(await fetch(0)), bytes);
    assert.deepEqual(await readAll(await fetch(7)), bytes.subarray(7));
  });

  it('fails a stream from offset 0 with a wrong byte, too few or too many bytes', async () => {
    const wrong = Buffer.from(bytes);
    wrong[9] = wrong[9]! ^ 0xff;
    await assert.rejects(readAll(await verifiedFetch('blob', desc, serving(wrong))(0)), isCode('DIGEST_MISMATCH'));
    await assert.rejects(readAll(await verifiedFetch('blob', desc, serving(bytes.subarray(1)))(0)), isCode('SIZE_MISMATCH'));
    await assert.rejects(readAll(await verifiedFetch('blob', desc, serving(Buffer.concat([bytes, Buffer.from('!')])))(0)), isCode('SIZE_MISMATCH'));
  });

  it("passes a later offset's bytes as served: the caller holding the prefix verifies the whole", async () => {
    const wrong = Buffer.from(bytes);
    wrong[20] = wrong[20]! ^ 0xff;
    assert.deepEqual(await readAll(await verifiedFetch('blob', desc, serving(wrong))(10)), wrong.subarray(10));
  });

  it('passes the bytes as served to a caller that verifies them itself, and tells the wrapped fetch so', async () => {
    const wrong = Buffer.from(bytes);
    wrong[3] = wrong[3]! ^ 0xff;
    const asked: unknown[] = [];
    const inner: BlobFetch = async (offset, opts) => {
      asked.push(opts);
      return serving(wrong)(offset);
    };
    assert.deepEqual(await readAll(await verifiedFetch('blob', desc, inner)(0, { callerVerifies: true })), wrong);
    assert.deepEqual(asked, [{ callerVerifies: true }]);
  });

  it("keeps the wrapped fetch's rejected, and adds none where it has none", () => {
    const told: Error[] = [];
    const inner = serving(bytes);
    inner.rejected = (failure) => told.push(failure) > 0;
    const failure = new Error('wrong bytes');
    assert.equal(verifiedFetch('blob', desc, inner).rejected?.(failure), true);
    assert.deepEqual(told, [failure]);
    assert.equal(verifiedFetch('blob', desc, serving(bytes)).rejected, undefined);
  });
});
