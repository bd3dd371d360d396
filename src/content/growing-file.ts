/**
 * A blob file that is still being written, and readers that follow it. Install streams each
 * layer once: the download appends to `ingest/<hex>.partial` as fast as the network gives,
 * and the importer reads the same bytes back from the file (the page cache, in practice) at its
 * own pace. The network is never held up by a slow importer (which would look like a stalled
 * transfer), the importer can start before the download ends, and memory stays flat.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { failed } from '../errors.js';
import type { ByteReader } from '../layers/decompress.js';

type Outcome = { ok: true; path: string } | { ok: false; error: unknown };

export class GrowingFile {
  /** The file being written, once writing has started; bytes below `written` are on it. */
  private path: string | undefined;
  private written = 0;
  private outcome: Outcome | undefined;
  private waiters: (() => void)[] = [];
  /** Times the writer threw its bytes away to write the file again from the start. */
  restarts = 0;

  /** `waiting`: called each time a follower has read all it may and waits for more. */
  constructor(private readonly events: { waiting?: () => void } = {}) {}

  /** Writing starts (or resumes) at `path`, which already holds `have` good bytes. */
  start(path: string, have: number): void {
    this.path = path;
    this.written = have;
    this.wake();
  }

  advance(bytes: number): void {
    this.written += bytes;
    this.wake();
  }

  /** The blob is complete and verified at `path` (where it was renamed to, or found). */
  commit(path: string): void {
    this.outcome = { ok: true, path };
    this.wake();
  }

  /** The bytes written so far were wrong and are written again: readers following them fail. */
  restart(): void {
    this.restarts++;
    this.written = 0;
    this.wake();
  }

  fail(error: unknown): void {
    this.outcome = { ok: false, error };
    this.wake();
  }

  /**
   * The blob's bytes from the start, as they are written, read into the caller's buffers (a
   * consumer that reuses its buffers allocates none per read). `read` fills at most the buffer
   * given with the next bytes written, waiting for them as needed; it gives 0 at the blob's end
   * or once closed, and errors if writing fails. One read at a time.
   */
  follow(): ByteReader {
    let fh: FileHandle | undefined;
    let pos = 0;
    let closed = false;
    let reading: Promise<number> | undefined;
    const generation = this.restarts;
    const next = async (into: Buffer): Promise<number> => {
      for (;;) {
        if (closed) return 0;
        if (!fh) fh = await this.openCurrent();
        // State is read only after the last await, so a change can never slip by unseen.
        const outcome = this.outcome;
        if (outcome && !outcome.ok) throw outcome.error;
        if (this.restarts !== generation) throw failed('the blob is being downloaded again from another source', { code: 'RESTARTED' });
        if (closed) return 0;
        if (!fh) {
          if (!outcome) await this.changed();
          continue;
        }
        // Only bytes known to be written are read: the rest of the file may still be in flight.
        const limit = outcome?.ok ? Infinity : this.written;
        if (pos >= limit) {
          await this.changed();
          continue;
        }
        const { bytesRead } = await fh.read(into, 0, Math.min(into.length, limit - pos), pos);
        if (bytesRead === 0) {
          if (outcome?.ok) return 0;
          await this.changed();
          continue;
        }
        pos += bytesRead;
        return bytesRead;
      }
    };
    return {
      read: (into) => {
        reading = next(into);
        return reading;
      },
      close: async () => {
        if (closed) return;
        closed = true;
        this.wake();
        await reading?.catch(() => {});
        await fh?.close();
      },
    };
  }

  /**
   * Opens the committed blob or the file being written. The partial is renamed to the blob
   * when it is verified; an open that loses that race finds the blob on the next try (an open
   * handle survives the rename, so a reader that got in first reads on undisturbed).
   */
  private async openCurrent(): Promise<FileHandle | undefined> {
    const committed = this.outcome?.ok ? this.outcome.path : undefined;
    const path = committed ?? this.path;
    if (!path) return undefined;
    try {
      return await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !committed) return undefined;
      throw err;
    }
  }

  private changed(): Promise<void> {
    const changed = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.events.waiting?.();
    return changed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
