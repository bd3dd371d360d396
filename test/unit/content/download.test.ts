/**
 * The content store's downloads as a second attempt finds them: a broken transfer's partial is
 * no longer written to once the ingest lock is let go, so whoever resumes it (this process
 * again, or another one waiting on the lock) hashes and appends to a file nobody else writes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ingestLockPath, partialPath } from '../../../src/content/layout.js';
import { ContentStore } from '../../../src/content/store.js';
import { sha256 } from '../../../src/image/digest.js';

const KiB = 1024;

describe('content store: a broken download and the attempt after it', () => {
  let root: string;
  let content: ContentStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-download-'));
    content = new ContentStore(root);
    await content.init();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** The first `upTo` bytes in chunks of `chunk` bytes, then a reset. */
  const breaksAfter = (bytes: Buffer, upTo: number, chunk: number) => async () =>
    Readable.from(
      (async function* () {
        for (let at = 0; at < upTo; at += chunk) yield bytes.subarray(at, Math.min(at + chunk, upTo));
        throw new Error('connection reset');
      })(),
    );

  // Several rounds: the appender's writes run on the thread pool, and a partial still growing
  // when the lock is let go shows only in some of them (2 to 5 of 25 without the wait for it).
  for (let round = 1; round <= 25; round++) {
    it(`leaves a partial that no write changes any more once the download has failed, and the next attempt resumes from it (round ${round})`, async () => {
      const bytes = randomBytes(3 * 1024 * KiB);
      const desc = { mediaType: 'application/octet-stream', digest: sha256(bytes), size: bytes.length };
      const received = 2 * 1024 * KiB + 5 * KiB;
      // Read the moment the failure is known, as a process waiting on the lock would.
      const failure = await content.writeBlob(desc, breaksAfter(bytes, received, 512 * KiB)).then(
        () => assert.fail('the download succeeded'),
        (err: Error) => ({ err, size: statSync(partialPath(root, desc.digest)).size, locked: existsSync(ingestLockPath(root, desc.digest)) }),
      );
      assert.match(failure.err.message, /connection reset/);
      assert.equal(failure.locked, false, 'the lock is let go');
      // What was still between the stages when the connection broke is dropped; the rest is kept.
      const kept = await readFile(partialPath(root, desc.digest));
      assert.equal(kept.length, failure.size, 'the partial no longer grows');
      assert.ok(kept.length > 0 && kept.length <= received, `${kept.length} bytes kept of ${received}`);
      assert.deepEqual(kept, bytes.subarray(0, kept.length));

      const offsets: number[] = [];
      await content.writeBlob(desc, async (offset) => {
        offsets.push(offset);
        return Readable.from([bytes.subarray(offset)]);
      });
      assert.deepEqual(offsets, [kept.length], 'resumed from the partial as it was when the download failed');
      assert.deepEqual(await readFile(content.path(desc.digest)), bytes);
    });
  }
});
