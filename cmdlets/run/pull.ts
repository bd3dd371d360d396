/** What pull runs; cmdlets/pull.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { pullPrinter } from '../../src/format/docker/pull.js';
import { formatReference, parseReference } from '../../src/image/reference.js';
import { parsePlatform } from '../../src/image/platform.js';
import { installImage } from '../../src/ops/install.js';
import { withOps } from '../context.js';
import { bind } from '../args.js';

export const run: CmdletRun = (args, io) => {
  const words = args.Arguments as string[];
  if (words.length !== 1) throw usage('"pull" requires exactly 1 argument');
  const quiet = args.Quiet === true;
  const ref = parseReference(words[0]!);
  if (!ref.tag && !ref.digest) {
    ref.tag = 'latest';
    if (!quiet) io.out('Using default tag: latest');
  }
  const reference = formatReference(ref);
  const platform = bind(args, 'Platform', parsePlatform);
  const printer = pullPrinter(reference, ref.repository, ref.digest ? undefined : ref.tag, (lines) => {
    if (!quiet && lines.length) io.out(lines.join('\n'));
  });
  return withOps(io, async (ctx) => {
    const top = (await installImage(ctx, { by: 'reference', reference, insecure: false }, { platform })).at(-1)!;
    printer.finish({ manifestDigest: top.image.manifestDigest, configKnown: top.configKnown, upToDate: top.alreadyInstalled && !top.newTag });
    if (quiet) io.out(reference);
  }, { progress: printer });
};
