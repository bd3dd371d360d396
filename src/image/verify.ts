/**
 * A pass-through stream that fails at EOF unless the bytes hash to the expected digest (and,
 * when known, have the expected size) — rule 3: every byte from a registry or a file is checked
 * against the digest that named it.
 */
import type { TransformCallback } from 'node:stream';
import { failed } from '../errors.js';
import { assertDigest, DigestStream, type Digest } from './digest.js';

export class VerifyStream extends DigestStream {
  constructor(
    private readonly what: string,
    private readonly expected: Digest,
    private readonly size?: number,
  ) {
    super();
  }

  private sizeError(): Error {
    // The code the content store and checkBlob give the same fault, whatever source served it.
    return failed(`${this.what}: size does not match its descriptor (expected ${this.size} bytes)`, {
      code: 'SIZE_MISMATCH',
    });
  }

  override _transform(chunk: Buffer, enc: BufferEncoding, cb: TransformCallback): void {
    // Stop early rather than read an endless or oversized body.
    if (this.size !== undefined && this.bytes + chunk.length > this.size) return cb(this.sizeError());
    super._transform(chunk, enc, cb);
  }

  override _flush(cb: TransformCallback): void {
    super._flush((err) => {
      if (err) return cb(err);
      try {
        if (this.size !== undefined && this.bytes !== this.size) throw this.sizeError();
        assertDigest(this.what, this.expected, this.digest());
        cb();
      } catch (e) {
        cb(e as Error);
      }
    });
  }
}
