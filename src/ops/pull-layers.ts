/**
 * The layers of one image into the store, each in one streaming pass: the blob is downloaded
 * into the ingest area (resuming what an earlier attempt left) while the importer reads the
 * same bytes back, decompresses them, checks the diff id and imports them. The dir importer
 * unpacks into a staging directory that becomes the layer only when both the compressed digest
 * and the diff id have been checked; the hcs importer must import where the layer will live
 * (importsInPlace), so a marker file beside it says the layer is unfinished until the image that
 * brought it is recorded, and crash recovery removes a marked layer no image records
 * (leftovers.ts). Layers stream side by side, a bounded number at once; an importer that needs
 * a layer's parents waits for them only where it reads them.
 *
 * Each layer chain id this install imports is locked (`layers/<hex>.lock`, naming its owner)
 * until the image is recorded or the attempt undone, so two processes never import the same
 * layer over each other, and the second finds it recorded. Locks are taken in chain-id order,
 * so installs of images that share layers cannot deadlock.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { CtrimgError, failed, isAbort } from '../errors.js';
import { roomAbove } from '../content/free-space.js';
import { inPlaceMarkerPath, layerLockPath, stagingPath } from '../content/layout.js';
import { describeOwner } from '../content/owner.js';
import { acquirePidLock, type Release } from '../content/pid-lock.js';
import type { BlobFeed } from '../content/store.js';
import { Sha256, type Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import { decompressChunks } from '../layers/decompress.js';
import type { TakeRoom } from '../layers/room.js';
import type { ImageSource } from '../image/source.js';
import type { OpsContext } from './context.js';
import { deleteUnreferencedBlobs } from './gc.js';
import { inParallel } from './parallel.js';

export interface LayerPlan {
  desc: Descriptor;
  diffId: Digest;
  chainId: Digest;
}

interface PullTarget {
  /** The layer's directory, derived from its chain id. */
  location: string;
  /** Parent layer paths, nearest first, and when they are all in place. */
  parents: string[];
  parentsReady: Promise<void>;
  signal: AbortSignal;
}

export interface PullOptions {
  /** Layers streamed at once. */
  concurrency: number;
  /** Delete the compressed blobs this install downloaded once the image is recorded. */
  dropLayerBlobs: boolean;
}

export class LayerPull {
  /** What this attempt created, so a failure can take exactly that back. */
  private readonly addedBlobs: Digest[] = [];
  /** Chain ids of the layers this attempt imported. */
  private readonly addedLayers: Digest[] = [];
  /** The content bytes (docker's layer size) of each layer this attempt imported, by chain id. */
  private readonly contentBytes = new Map<Digest, number>();
  /** The in-place imports' markers, by chain id: they go once the image is recorded, or with their layer. */
  private readonly markers = new Map<Digest, string>();
  private readonly feeds = new Map<Digest, BlobFeed>();
  private readonly locks: Release[] = [];

  constructor(
    private readonly ctx: OpsContext,
    private readonly source: ImageSource,
    private readonly opts: PullOptions,
  ) {}

  /**
   * Brings every layer into the store; returns how many were new, and the content bytes of each
   * it imported (by chain id) for their records.
   */
  async run(layers: LayerPlan[]): Promise<{ newLayers: number; contentBytes: ReadonlyMap<Digest, number> }> {
    const { ctx } = this;
    await this.lockChains(layers.filter((l) => !ctx.store.layers.byChainId(l.chainId)).map((l) => l.chainId));
    // Read after the locks: another process may have recorded some of them meanwhile.
    const known = layers.map((l) => ctx.store.layers.byChainId(l.chainId));
    const locations = layers.map((l) => ctx.layerPath(l.chainId));
    for (const [i, l] of layers.entries()) ctx.progress.layer(l.desc.digest, known[i] ? 'Already exists' : 'Waiting');

    const ready = layers.map(() => deferred());
    known.forEach((k, i) => k && ready[i]!.resolve());
    const jobs = layers.flatMap((_, i) => (known[i] ? [] : [i]));
    await inParallel(jobs, this.opts.concurrency, ctx.signal, async (i, signal) => {
      try {
        await this.pull(layers[i]!, {
          location: locations[i]!,
          parents: locations.slice(0, i).reverse(),
          parentsReady: quiet(Promise.all(ready.slice(0, i).map((r) => r.promise)).then(() => {})),
          signal,
        });
        ready[i]!.resolve();
      } catch (err) {
        ready[i]!.reject(err);
        throw err;
      }
    });
    return { newLayers: jobs.length, contentBytes: this.contentBytes };
  }

  /** The image is recorded: its layers are finished, the downloaded blobs go if asked to, and the layers are let go. */
  async committed(): Promise<void> {
    // Nothing here can take the install back: a failure is told, and recovery or repair finishes it.
    try {
      for (const marker of this.markers.values()) await rm(marker, { force: true });
      if (this.opts.dropLayerBlobs) for (const digest of this.addedBlobs) await this.ctx.content.delete(digest);
    } catch (err) {
      this.ctx.report.warn(`the image is installed, but tidying up after it failed: ${(err as Error).message}; the next install or a repair finishes it`);
    } finally {
      await this.unlock();
    }
  }

  /**
   * Takes back what this attempt added, except what another install has recorded meanwhile.
   * A download broken by the network or by cancelling keeps its bytes for the next attempt;
   * after any other failure (bad content, an importer error, a full disk) they are dropped too.
   */
  async undo(err: unknown): Promise<void> {
    const { ctx } = this;
    try {
      for (const chainId of this.addedLayers) {
        const marker = this.markers.get(chainId);
        if (!ctx.store.layers.byChainId(chainId)) await this.removeUnfinished(ctx.layerPath(chainId), marker);
        else if (marker) await rm(marker, { force: true });
      }
      await deleteUnreferencedBlobs(ctx, this.addedBlobs);
      const resumable = isAbort(err) || (err instanceof CtrimgError && err.temporary);
      if (!resumable) for (const digest of this.feeds.keys()) await ctx.content.discardPartial(digest);
    } finally {
      await this.unlock();
    }
  }

  private async lockChains(chainIds: Digest[]): Promise<void> {
    for (const chainId of [...new Set(chainIds)].sort()) {
      this.locks.push(
        await acquirePidLock(layerLockPath(this.ctx.root, chainId), {
          signal: this.ctx.signal,
          onWait: (holder) => this.ctx.report.info(`Waiting for ${describeOwner(holder)} to finish importing layer ${chainId}`),
        }),
      );
    }
  }

  private async unlock(): Promise<void> {
    for (const release of this.locks.splice(0)) await release();
  }

  private async pull(layer: LayerPlan, to: PullTarget): Promise<void> {
    const { ctx } = this;
    const feed = await this.feed(layer.desc, to.signal);
    // Under this install's lock, a directory without a record is what a crash left behind.
    await ctx.importer.removeLayer(to.location);
    for (;;) {
      const restarts = feed.restarts();
      try {
        await this.importOnce(layer, feed, to);
        break;
      } catch (err) {
        // Bytes that fail their digest explain any import error they caused: that is the error
        // to report, so the download is let finish its check.
        await feed.done.catch((downloadErr: unknown) => {
          if (!isAbort(downloadErr)) throw downloadErr;
        });
        // The importer read bytes that the download then replaced from another source: again.
        if (feed.restarts() === restarts) throw err;
      }
    }
    this.addedLayers.push(layer.chainId);
    ctx.progress.layer(layer.desc.digest, 'Pull complete');
  }

  /**
   * Imports the layer from the feed: into a staging directory renamed into place once every
   * check passed, or, for an importer that imports in place, into the layer's directory, marked
   * unfinished until the image is recorded (committed) or the layer removed (undo).
   */
  private async importOnce({ desc, diffId, chainId }: LayerPlan, feed: BlobFeed, to: PullTarget): Promise<void> {
    const { ctx } = this;
    const inPlace = ctx.importer.importsInPlace;
    const target = inPlace ? to.location : stagingPath(to.location);
    const marker = inPlace ? inPlaceMarkerPath(to.location) : undefined;
    // Written before the import starts, so no crash can leave the layer unmarked and half made.
    if (marker) await writeFile(marker, '', { flag: 'wx' });
    const diff = new Sha256();
    const take = roomAbove(dirname(to.location), ctx.freeSpaceReserve, `cannot import layer ${desc.digest}`);
    // One generator from the blob's bytes to the importer's tar: no stream between stages.
    const tar = Readable.from(hashedWithRoom(decompressChunks(feed.open()), diff, take), { objectMode: false });
    try {
      const bytes = await ctx.importer.importLayer(tar, target, {
        parents: to.parents,
        parentsReady: to.parentsReady,
        signal: to.signal,
        warn: (m) => ctx.report.warn(m),
      });
      // What the importer left unread (the archive's end blocks) counts for the diff id too.
      tar.resume();
      await finished(tar);
      if (diff.digest() !== diffId) {
        throw failed(`layer ${desc.digest}: uncompressed content is ${diff.digest()}, the config says ${diffId}`, { code: 'DIFF_ID_MISMATCH' });
      }
      // The compressed bytes are checked as a whole only when the download ends.
      await feed.done;
      if (marker) this.markers.set(chainId, marker);
      else await rename(target, to.location);
      this.contentBytes.set(chainId, bytes);
    } catch (err) {
      tar.destroy();
      await this.removeUnfinished(target, marker);
      throw err;
    }
  }

  /**
   * Removes a layer of this attempt (one that failed its import or its checks, or one undo takes
   * back), then its marker. A failure to remove it is told, not thrown over the error that caused
   * it: the marker (or the staging directory's name) stays, and the next command's recovery
   * tries again.
   */
  private async removeUnfinished(target: string, marker: string | undefined): Promise<void> {
    try {
      await this.ctx.importer.removeLayer(target);
    } catch (err) {
      this.ctx.report.warn(`could not remove the unfinished layer ${target}: ${(err as Error).message}; the next install or repair removes it`);
      return;
    }
    if (marker) await rm(marker, { force: true });
  }

  /** One download per blob, however many layers of the image have it. */
  private async feed(desc: Descriptor, signal: AbortSignal): Promise<BlobFeed> {
    const { ctx } = this;
    const existing = this.feeds.get(desc.digest);
    if (existing) return existing;
    const had = await ctx.content.has(desc.digest);
    const again = this.feeds.get(desc.digest);
    if (again) return again;
    const feed = ctx.content.feed(desc.digest, this.source.blob(desc, signal), {
      size: desc.size,
      signal,
      what: `layer ${desc.digest}`,
      onProgress: (bytes) => ctx.progress.layer(desc.digest, 'Downloading', bytes, desc.size),
    });
    this.feeds.set(desc.digest, feed);
    feed.done.then(
      () => {
        if (!had) this.addedBlobs.push(desc.digest);
        ctx.progress.layer(desc.digest, 'Download complete');
        ctx.progress.layer(desc.digest, 'Extracting');
      },
      () => {},
    );
    return feed;
  }
}

/** The tar's chunks as they pass to the importer: each one's room on the disk taken first, then hashed for the diff id. */
async function* hashedWithRoom(chunks: AsyncIterable<Buffer>, diff: Sha256, take: TakeRoom): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    const checking = take(chunk.length);
    if (checking) await checking;
    diff.update(chunk);
    yield chunk;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise: quiet(promise), resolve, reject };
}

/** Marks a rejection as handled: whoever awaits `p` still hears of it, nobody else must. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
