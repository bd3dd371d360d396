/**
 * ImageSink.writeStream on both sinks: a blob whose digest is known only once it is read is
 * committed under the digest computed while writing, and nothing is left or committed when the
 * stream breaks; the content store keeps its free-space reserve for these writes too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OciLayoutWriter } from '../../../src/archive/oci-layout-writer.js';
import { ContentStore } from '../../../src/content/store.js';
import { CtrimgError } from '../../../src/errors.js';
import { sha256 } from '../../../src/image/digest.js';
import type { ImageSink } from '../../../src/image/source.js';

const LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** `bytes` in chunks of `size`, so the hash sees more than one update. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

/** `bytes`, then a broken connection. */
function breaking(bytes: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield bytes;
      throw new Error('connection reset');
    })(),
  );
}

interface Made {
  sink: ImageSink;
  /** Where a committed blob's bytes are. */
  blobFile(hex: string): string;
  /** The directory its temp files are made in. */
  tempDir: string;
}

const sinks: Record<string, (dir: string) => Promise<Made>> = {
  'content store': async (dir) => {
    const sink = new ContentStore(dir);
    await sink.init();
    return { sink, blobFile: (hex) => join(dir, 'blobs', 'sha256', hex), tempDir: sink.ingestDir };
  },
  'OCI layout writer': async (dir) => ({ sink: await OciLayoutWriter.create(dir), blobFile: (hex) => join(dir, 'blobs', 'sha256', hex), tempDir: dir }),
};

describe('ImageSink.writeStream', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctrimg-write-stream-'));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  const bytes = Buffer.from('a layer a commit made, '.repeat(5000));

  for (const [kind, make] of Object.entries(sinks)) {
    describe(kind, () => {
      it('commits the bytes under the digest computed while writing, and again as the same blob', async () => {
        const { sink, blobFile, tempDir } = await make(join(work, 'sink'));
        const before = (await readdir(tempDir)).sort();
        const desc = await sink.writeStream(chunked(bytes, 1000), { mediaType: LAYER });
        assert.deepEqual(desc, { mediaType: LAYER, digest: sha256(bytes), size: bytes.length });
        assert.equal(await sink.has(desc.digest), true);
        assert.deepEqual(await readFile(blobFile(desc.digest.slice(7))), bytes);
        assert.deepEqual(await sink.writeStream(chunked(bytes, 7000), { mediaType: LAYER }), desc);
        assert.deepEqual((await readdir(tempDir)).sort(), before, 'no temp file left');
        await sink.close();
      });

      it('commits nothing and leaves no temp file when the stream breaks', async () => {
        const { sink, tempDir } = await make(join(work, 'sink'));
        const before = (await readdir(tempDir)).sort();
        await assert.rejects(sink.writeStream(breaking(bytes), { mediaType: LAYER }), /connection reset/);
        assert.equal(await sink.has(sha256(bytes)), false);
        assert.deepEqual((await readdir(tempDir)).sort(), before);
        await sink.close();
      });

      it('stops when its signal is aborted', async () => {
        const { sink, tempDir } = await make(join(work, 'sink'));
        const before = (await readdir(tempDir)).sort();
        const abort = new AbortController();
        // Serves one chunk, and is aborted when asked for the next: it never ends by itself.
        let reads = 0;
        const endless = new Readable({
          read() {
            if (reads++ === 0) this.push(bytes);
            else abort.abort();
          },
        });
        await assert.rejects(sink.writeStream(endless, { mediaType: LAYER, signal: abort.signal }), (e: unknown) => (e as Error).name === 'AbortError');
        assert.deepEqual((await readdir(tempDir)).sort(), before);
        await sink.close();
      });
    });
  }

  it('content store: keeps its free-space reserve, leaving no temp file', async () => {
    const store = new ContentStore(join(work, 'store'), Number.MAX_SAFE_INTEGER);
    await store.init();
    await assert.rejects(store.writeStream(chunked(bytes, 1000), { mediaType: LAYER }), (e: unknown) => e instanceof CtrimgError && e.code === 'NO_SPACE');
    assert.deepEqual(await readdir(store.ingestDir), []);
    assert.equal(await store.has(sha256(bytes)), false);
  });
});
