/**
 * The bytes of a tar stream, pulled chunk by chunk as the reader asks for them: nothing is read
 * ahead of the consumer beyond the input's own buffer, and data is handed on as views of the
 * input's chunks (bytes are copied only when a block straddles two chunks).
 */
import type { Readable } from 'node:stream';

const EMPTY = Buffer.alloc(0);

export class ByteSource {
  private chunk: Buffer = EMPTY;
  private pos = 0;
  private ended = false;
  private readonly chunks: AsyncIterator<Buffer | string>;

  constructor(input: Readable) {
    this.chunks = input[Symbol.asyncIterator]();
  }

  /** Makes the current chunk non-empty; false at the end of the input. */
  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      this.pos = 0;
    }
    return true;
  }

  /** Up to `max` bytes (at least one) from the current chunk; undefined at the end of the input. */
  async take(max: number): Promise<Buffer | undefined> {
    if (this.pos >= this.chunk.length && !(await this.fill())) return undefined;
    const n = Math.min(max, this.chunk.length - this.pos);
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * `n` bytes if the current chunk holds them, without waiting; undefined otherwise. Most
   * headers sit inside one chunk, and a layer holds many: this spares each a promise.
   */
  readNow(n: number): Buffer | undefined {
    if (this.chunk.length - this.pos < n) return undefined;
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips up to `n` bytes of the current chunk without waiting; returns how many. */
  skipNow(n: number): number {
    const k = Math.min(n, this.chunk.length - this.pos);
    this.pos += k;
    return k;
  }

  /** `n` bytes, or fewer if the input ends first. */
  async read(n: number): Promise<Buffer> {
    const now = this.readNow(n);
    if (now) return now;
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.take(n - got);
      if (!part) break;
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  /** Skips `n` bytes; returns how many there were. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const part = await this.take(left);
      if (!part) break;
      left -= part.length;
    }
    return n - left;
  }

  /** Reads the input to its end, discarding it. */
  async drain(): Promise<void> {
    while (await this.take(Infinity));
  }

  /** Stops reading: the input is destroyed unless it has ended. */
  async close(): Promise<void> {
    if (!this.ended) await this.chunks.return?.();
  }
}
