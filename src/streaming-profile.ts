/**
 * How V8 runs while the executable moves layer bytes, so that its peak memory does not grow
 * with the size of the layer (README, Benchmarks, has the measurements, issue 14 asked for it).
 *
 * Every socket read (undici's, 64 KiB) and every gunzip output (128 KiB) is a new buffer that
 * only V8's collector frees, and Node 20 has no way to read or inflate into buffers of one's
 * own. Left to its own pace, V8 holds 5-17 MiB of such dead buffers at any moment, some of them
 * promoted to the old generation, which only a full collection frees; and its optimizing
 * compiler, which keeps finding new hot code over a long install, runs on background threads
 * whose malloc arenas each keep the high-water mark of the largest compile they ran. Both
 * leave a 1 GiB install a few MiB above a 100 MiB one (89-94 against 86-91 MiB), growing with
 * the time the install runs. So, once layer bytes flow, this process switch (a shared leaf,
 * since the download and the decompression both report to it) makes V8 run differently:
 * - a young-generation collection every 4 MiB streamed and a full one every 256 MiB keep the
 *   dead buffers to a few MiB (a young collection takes well under a millisecond here; a full
 *   one every 64 MiB made the 1 GiB install take 5.5 s instead of 4.5); an install counts each
 *   byte twice, compressed as it is downloaded and again as it is inflated;
 * - from then on, no function is optimized any further (`--max-opt=1`; what was optimized before
 *   keeps its code): the bytes are hashed, inflated and written by native code, and what runs
 *   in JavaScript around them is fast enough in the baseline tier. With the optimizing tier
 *   left in, the 1 GiB install still peaked 1-2 MiB above the 100 MiB one.
 * Together, the bench's 1 GiB and 100 MiB installs both peak at 77-80 MiB and the 300 MB images
 * 7-12 MiB lower than before, for 9-19% more wall time on those and on the 1 GiB layer. Only the
 * executable's composition root (cmdlets/main.ts) allows it: a program that imports the modules,
 * the tests among them, keeps V8 as it was. Paths that move bytes elsewhere (Save to an OCI
 * archive or layout, New-ContainerImage, re-hashing a partial download) run as before.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's collector as `--expose-gc` gives it: `{ type: 'minor' }` a young-generation collection, no
 * argument a full one. (Node 20's V8 reads `{ type: 'major' }` as a young one too, as its
 * perf_hooks 'gc' entries show: with that, the 1 GiB install peaked at 80-83 MiB, the 100 MiB one
 * at 76-79.)
 */
export type Collect = (options?: { type: 'minor' }) => void;

const MINOR_EVERY = 4 << 20;
const MAJOR_EVERY = 256 << 20;

/** Counts the bytes streamed and asks `collect` for a collection at each step. */
export class CollectionPacer {
  private sinceMinor = 0;
  private sinceMajor = 0;

  constructor(private readonly collect: Collect) {}

  streamed(bytes: number): void {
    this.sinceMinor += bytes;
    this.sinceMajor += bytes;
    if (this.sinceMajor >= MAJOR_EVERY) {
      this.sinceMajor = 0;
      this.sinceMinor = 0;
      this.collect();
    } else if (this.sinceMinor >= MINOR_EVERY) {
      this.sinceMinor = 0;
      this.collect({ type: 'minor' });
    }
  }
}

let allowed = false;
let pacer: CollectionPacer | undefined;

/** Lets the first layer bytes streamed switch this process to the streaming profile. */
export function allowStreamingProfile(): void {
  allowed = true;
}

/** `bytes` more of a layer went through memory: appended to a download, or inflated (or passed through) for an import. */
export function streamed(bytes: number): void {
  if (!allowed) return;
  pacer ??= startProfile();
  pacer.streamed(bytes);
}

function startProfile(): CollectionPacer {
  // Both are read when used, so they take effect after start-up (the flags V8 reads once, at
  // start, such as --no-concurrent-recompilation, would need a second process).
  setFlagsFromString('--max-opt=1');
  setFlagsFromString('--expose-gc');
  // The collector is installed in contexts made after the flag: a new one hands it over.
  return new CollectionPacer(runInNewContext('gc') as Collect);
}
