/**
 * Bench support: deterministic, OS-layer-like file content. A seeded PRNG picks each file's
 * kind and size; bytes come from AES-CTR over zeros (fast, incompressible, reproducible), from
 * a generated text corpus (compresses like source and config files) or from a mix of both with
 * zero runs (compresses about as well as executables and libraries do).
 */
import { createCipheriv } from 'node:crypto';
import { prng } from '../support/prng.js';

/** Log-normal size around `median` bytes, clamped to [min, max]. */
export function logNormal(rand: () => number, median: number, sigma: number, min: number, max: number): number {
  const u = Math.max(rand(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  return Math.round(Math.min(max, Math.max(min, median * Math.exp(sigma * z))));
}

export type FileKind = 'text' | 'binary' | 'random';

export class ContentSource {
  private readonly rand: () => number;
  private readonly corpus: Buffer;
  private readonly cipher;

  constructor(seed: number) {
    this.rand = prng(seed);
    this.corpus = makeCorpus(prng(seed ^ 0x5eed), 8 * 1024 * 1024);
    const key = Buffer.alloc(16);
    key.writeUInt32BE(seed >>> 0);
    this.cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  }

  random(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }

  /** A slice of the corpus at a random offset: gzip's 32 KiB window cannot see other files. */
  text(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = Math.floor(this.rand() * this.corpus.length);
    for (let done = 0; done < n; ) {
      const take = Math.min(n - done, this.corpus.length - off);
      this.corpus.copy(out, done, off, off + take);
      done += take;
      off = 0;
    }
    return out;
  }

  /** 512-byte blocks: random (30%), text (40%), zeros (the rest), like an ELF file. */
  binary(n: number): Buffer {
    const parts: Buffer[] = [];
    for (let done = 0; done < n; done += 512) {
      const len = Math.min(512, n - done);
      const r = this.rand();
      parts.push(r < 0.3 ? this.random(len) : r < 0.7 ? this.text(len) : Buffer.alloc(len));
    }
    return Buffer.concat(parts, n);
  }

  bytes(kind: FileKind, n: number): Buffer {
    return kind === 'text' ? this.text(n) : kind === 'binary' ? this.binary(n) : this.random(n);
  }
}

/**
 * Lines of words from a skewed vocabulary, indented like code and config files; about one line
 * in four repeats a recent one, as config keys and code idioms do. Compresses about 3.5x.
 */
function makeCorpus(rand: () => number, size: number): Buffer {
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  const vocab: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const len = 2 + Math.floor(rand() * 9);
    let w = '';
    for (let j = 0; j < len; j++) w += letters[Math.floor(rand() * rand() * letters.length)];
    vocab.push(w);
  }
  const punct = [' ', ' ', ' ', ' ', ', ', '.', '_', '(', ') ', ' = ', ': ', '/', '-'];
  const lines: string[] = [];
  let total = 0;
  while (total < size) {
    let line: string;
    if (lines.length > 50 && rand() < 0.25) {
      line = lines[lines.length - 1 - Math.floor(rand() * 50)]!;
    } else {
      line = ' '.repeat(Math.floor(rand() * 4) * 2);
      const words = 1 + Math.floor(rand() * 10);
      for (let i = 0; i < words; i++) {
        line += vocab[Math.floor(vocab.length * rand() ** 4)];
        line += punct[Math.floor(rand() * punct.length)];
      }
    }
    lines.push(line);
    total += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n').subarray(0, size);
}
