#!/usr/bin/env node
/**
 * The `ctrimg` executable, above every layer of the module map. It settles how the Node runtime
 * runs, then starts the composition root (cmdlets/main.ts). It is CommonJS on purpose: loading an
 * ES module reads its files on libuv's thread pool, which starts the pool before the module's
 * first line could size it.
 *
 * The composition root runs from dist/ctrimg/main.cjs, which `npm run build` bundles with esbuild
 * from what tsc compiled (the native packages stay outside), as CommonJS (test/support/bundle.ts
 * says why). Node 20 resolves, reads and compiles some 150 ES modules one by one, with no compile
 * cache: every command started about 110 ms later, and the bench install of 300 MB of large files
 * took about 12% longer. The bundle is split at the dynamic imports of each cmdlet's run, so help
 * reads the specs only, not undici and the rest.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

// Layers are unpacked on the thread pool (src/layers/file-writes.ts), where creating files is
// nearly all kernel time, and more threads than cores only contend: on the 2-core bench machine
// libuv's default of 4 threads installed the bench image in 7.4 s, 2 threads in 6.7 s. A value
// the user set is kept.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));

// Peak memory, which an install of a large image must keep low, is mostly V8's:
// - undici parses HTTP with llhttp compiled to WebAssembly. V8's optimizing tier compiles it in
//   the background on the first request and takes about 35 MiB for a moment; the baseline tier
//   alone parses a loopback registry's responses at full speed. Set before undici compiles.
// - An install streams hundreds of MiB through short-lived buffers, and V8 grows its young
//   generation to 16 MiB per semi-space under that load, for nothing: the buffers die young
//   either way. Kept at its starting size, the bench install peaks about 15 MiB lower
//   (about 122 against 137 MiB) in the same time.
// - Small files' buffers outlive a few of those young collections (their writes are on the
//   thread pool) and die in the old generation, where only a full collection frees what they
//   hold outside the heap. V8 lets the old generation grow up to 4x its live size before one
//   when the program spends little time collecting, as here: on the small-files image, 1.4 s
//   without one early in the install left about 45 MB of such buffers to free, and glibc's heap
//   keeps that high-water mark. Growing it 2x at most peaks about 25 MiB lower (134 against
//   about 110 MiB) for the same CPU time; 1.3x collects so often that 1 GiB of large files
//   takes 50% more CPU.
setFlagsFromString('--liftoff-only');
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=100');
// Most commands end within a few hundred milliseconds, and V8 spent that time optimizing the
// functions a listing runs a few thousand times (sorting, laying out the table) on the second
// core, whose result the command barely used, and the process waited at exit for the compiles
// still running: about 15 ms of -ChildOf -Recurse over 1,805 images. Four times V8's budget of
// bytecode run before a function is considered for optimization (67,584 bytes in Node 20) leaves
// short commands in the baseline tiers; an install's hot loops reach it within milliseconds.
setFlagsFromString('--interrupt-budget=270336');

// A name tsc does not resolve: the bundle exists only after the build. Failing to load it (not
// built, a package missing) ends in the one line any error gets, not a stack trace.
const bundle = '../ctrimg/main.cjs';
try {
  require(bundle);
} catch (err) {
  // The first line: a missing module's message goes on with the stack of requires.
  process.stderr.write(`ctrimg: cannot start: ${String((err as Error).message).split('\n')[0]} (npm ci, or npm run build, builds it) [INTERNAL]\n`);
  process.exitCode = 1;
}
