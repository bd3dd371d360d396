/**
 * What the content store holds, read from its directories by the names layout.ts gives them (as
 * containerd's content.Store Walk and ListStatuses): the committed blobs, and the ingests under
 * way or broken off, with the bytes each holds and who, if anyone, holds its lock.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Digest } from '../image/digest.js';
import { BLOBS, blobPath, classify, INGEST, ingestLockPath, partialPath, storeDir, type PidName } from './layout.js';
import { parseOwner, type Owner } from './owner.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface IngestStatus {
  digest: Digest;
  /** `ingest/<hex>.partial`: the bytes held so far and when they last grew; absent when there is none. */
  partial?: { size: number; updatedAt: Date };
  /**
   * `ingest/<hex>.lock`, absent when nobody holds it: its text and the holder it names
   * (undefined when it names none: junk, never written by a live process).
   */
  lock?: { text: string; holder: Owner | undefined };
}

export interface ContentStatus {
  /** One per digest with a partial or a lock, in digest order. */
  ingests: IngestStatus[];
  /** Files made to be renamed or linked into place, with the pid of their maker. */
  temps: Array<{ name: string } & PidName>;
}

const sorted = (dir: string) => readdir(dir).then((n) => n.sort(), () => [] as string[]);

/** Calls `fn` with every committed blob, in digest order. Names that are not digests are skipped (see strays). */
export async function walkBlobs(root: string, fn: (blob: BlobInfo) => Promise<void> | void): Promise<void> {
  for (const entry of await sorted(storeDir(root, BLOBS))) {
    const name = classify(BLOBS, entry);
    if (name?.kind !== 'blob') continue;
    const st = await stat(blobPath(root, name.digest)).catch(() => undefined);
    if (st?.isFile()) await fn({ digest: name.digest, size: st.size });
  }
}

/** Names in the blob directory that are no digest: the store never made them and never serves them. */
export async function strayBlobNames(root: string): Promise<string[]> {
  return (await sorted(storeDir(root, BLOBS))).filter((entry) => classify(BLOBS, entry) === undefined);
}

/** The ingest area: partial downloads, their locks, and temp files. */
export async function ingestStatus(root: string): Promise<ContentStatus> {
  const byDigest = new Map<Digest, IngestStatus>();
  const temps: ContentStatus['temps'] = [];
  const entry = (digest: Digest) => byDigest.get(digest) ?? byDigest.set(digest, { digest }).get(digest)!;
  for (const name of await sorted(storeDir(root, INGEST))) {
    const what = classify(INGEST, name);
    if (what === undefined) continue;
    if ('pid' in what) {
      temps.push({ name, ...what });
    } else if (what.kind === 'partial') {
      const st = await stat(partialPath(root, what.digest)).catch(() => undefined);
      if (st) entry(what.digest).partial = { size: st.size, updatedAt: st.mtime };
    } else if (what.kind === 'lock') {
      const text = await readFile(ingestLockPath(root, what.digest), 'utf8').catch(() => undefined);
      if (text !== undefined) entry(what.digest).lock = { text, holder: parseOwner(text) };
    }
  }
  return { ingests: [...byDigest.values()], temps };
}
