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

/**
 * Incremental sha256 over chunks, counting them: the one place content is hashed. `digest()`
 * ends it; it may be called again and gives the same digest.
 */
export class Sha256 {
  private readonly hash: Hash = createHash('sha256');
  private result?: Digest;
  private count = 0;

  /** Bytes hashed so far. */
  get bytes(): number {
    return this.count;
  }

  update(chunk: string | Uint8Array): this {
    if (this.result) throw new Error('Sha256.update() called after digest()');
    this.hash.update(chunk);
    this.count += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return this;
  }

  digest(): Digest {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    return this.result;
  }
}

export function sha256(data: string | Uint8Array): Digest {
  return new Sha256().update(data).digest();
}

/** The digest of everything `chunks` (a file's read stream, say) yields. */
export async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<Digest> {
  const hash = new Sha256();
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest();
}

/**
 * A pass-through stream that hashes and counts what flows through it. `digest()` is valid
 * once the stream has ended.
 */
export class DigestStream extends Transform {
  private readonly hash = new Sha256();
  private ended = false;

  get bytes(): number {
    return this.hash.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.ended = true;
    cb();
  }

  digest(): Digest {
    if (!this.ended) throw new Error('DigestStream.digest() called before the stream ended');
    return this.hash.digest();
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
