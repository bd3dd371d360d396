/**
 * The content store's walk and status: what it reports is read from names layout.ts made, so a
 * blob, a partial, a lock and a temp file are each reported once, as what they are.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BLOBS, ingestLockPath, ingestTempPath, lockTempPath, partialPath, storeDir } from '../../../src/content/layout.js';
import { formatOwner, self } from '../../../src/content/owner.js';
import { ContentStore } from '../../../src/content/store.js';
import type { BlobInfo } from '../../../src/content/walk.js';
import { sha256 } from '../../../src/image/digest.js';

describe('content store: walk and status', () => {
  let root: string;
  let content: ContentStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-walk-'));
    content = new ContentStore(root);
    await content.init();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const walked = async () => {
    const seen: BlobInfo[] = [];
    await content.walk((b) => void seen.push(b));
    return seen;
  };

  it('walks the committed blobs in digest order, with their sizes, and nothing of the ingest area', async () => {
    const blobs = ['first\n', 'second blob\n', 'third, longer blob\n'].map((s) => Buffer.from(s));
    for (const b of blobs) await content.writeConfig({ mediaType: 'application/octet-stream', digest: sha256(b), size: b.length }, b);
    await writeFile(partialPath(root, sha256('half')), 'ha');
    await writeFile(join(storeDir(root, BLOBS), 'not-a-digest'), 'x');
    const expected = blobs.map((b) => ({ digest: sha256(b), size: b.length })).sort((a, b) => a.digest.localeCompare(b.digest));
    assert.deepEqual(await walked(), expected);
    assert.deepEqual(await content.strays(), ['not-a-digest']);
  });

  it('reports each ingest once: the bytes its partial holds, who holds its lock, and the temp files with their pid', async () => {
    const held = sha256('held');
    const broken = sha256('broken off');
    await writeFile(partialPath(root, held), 'some bytes');
    await writeFile(ingestLockPath(root, held), formatOwner(self()));
    await writeFile(partialPath(root, broken), 'more');
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(partialPath(root, broken), longAgo, longAgo);
    const temp = ingestTempPath(root, held);
    const lockTemp = lockTempPath(ingestLockPath(root, held));
    await writeFile(temp, '');
    await writeFile(lockTemp, '');

    const { ingests, temps } = await content.status();
    const byDigest = new Map(ingests.map((i) => [i.digest, i]));
    assert.equal(ingests.length, 2);
    assert.equal(byDigest.get(held)!.partial!.size, 'some bytes'.length);
    assert.equal(byDigest.get(held)!.lock!.holder!.pid, process.pid);
    assert.equal(byDigest.get(broken)!.partial!.size, 4);
    assert.equal(byDigest.get(broken)!.partial!.updatedAt.getTime(), longAgo.getTime());
    assert.equal(byDigest.get(broken)!.lock, undefined);
    assert.deepEqual(
      temps.map((t) => [t.name, t.kind, t.pid]).sort(),
      [
        [temp.split(/[\\/]/).at(-1), 'ingest-temp', process.pid],
        [lockTemp.split(/[\\/]/).at(-1), 'lock-temp', process.pid],
      ].sort(),
    );
  });

  it('shows a download under way: its partial and its lock held by this process, then only the blob', async () => {
    const bytes = Buffer.alloc(64 * 1024, 7);
    const half = bytes.length / 2;
    const digest = sha256(bytes);
    const body = new Readable({ read() {} });
    const feed = content.feed(digest, async () => body, { size: bytes.length });
    // A reader of the feed hears of bytes once they are on disk.
    const reader = feed.open();
    const halfOnDisk = (async () => {
      for (let seen = 0; seen < half; ) seen += await reader.read(Buffer.alloc(half));
    })();
    body.push(bytes.subarray(0, half));
    await halfOnDisk;
    const during = await content.status();
    assert.equal(during.ingests.length, 1);
    assert.equal(during.ingests[0]!.digest, digest);
    assert.equal(during.ingests[0]!.partial!.size, half);
    assert.equal(during.ingests[0]!.lock!.holder!.pid, process.pid);
    body.push(bytes.subarray(half));
    body.push(null);
    await feed.done;
    await reader.close();
    assert.deepEqual(await content.status(), { ingests: [], temps: [] });
    assert.deepEqual(await walked(), [{ digest, size: bytes.length }]);
  });
});
