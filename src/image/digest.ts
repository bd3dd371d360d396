/** Content digests (`sha256:<64 hex>`): parsing, hashing and streaming verification. */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { failed } from '../errors.js';

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A pass-through stream that hashes and counts what flows through it. `digest()` is valid
 * once the stream has ended.
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private result?: Digest;
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  digest(): Digest {
    if (!this.result) throw new Error('DigestStream.digest() called before the stream ended');
    return this.result;
  }
}

/** Throws a DIGEST_MISMATCH error when `actual` is not `expected`. */
export function assertDigest(what: string, expected: Digest, actual: Digest): void {
  if (expected !== actual) {
    throw failed(`${what}: content does not match its digest (expected ${expected}, got ${actual})`, {
      code: 'DIGEST_MISMATCH',
    });
  }
}
