/**
 * The composition root: hands argv, the cmdlets and the process streams to the runner. It lives
 * in cmdlets/, the top of the module map, because it is the one module that knows every cmdlet;
 * src/cli.cts starts it.
 */
import { cmdlets } from './index.js';
import { safe } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { allowStreamingProfile } from '../src/streaming-profile.js';

allowStreamingProfile();

// stdin and stderr as getters: Node makes process.stdin (a read stream, over /dev/null too) and
// process.stderr (a socket when it is a pipe or a terminal) on first use, some 5-8 ms together,
// and most commands read no input and say nothing but their result.
// Not a top-level await: the bundle is CommonJS (test/support/bundle.ts).
void runCli(process.argv.slice(2), cmdlets, {
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  get stderr() {
    return process.stderr;
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  // runCli answers every error of a cmdlet with its exit code; one that escapes it still ends in one line.
  (err: unknown) => {
    process.stderr.write(`ctrimg: ${safe(String((err as Error)?.message ?? err).split('\n')[0]!)} [INTERNAL]\n`);
    process.exitCode = 1;
  },
);
