/** What pull runs; cmdlets/pull.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { pullPrinter, pullStatus, type PullPrinter } from '../../src/format/docker/pull.js';
import { formatReference, parseReference } from '../../src/image/reference.js';
import { parsePlatform } from '../../src/image/platform.js';
import { installImage, repositoryTags } from '../../src/ops/install.js';
import type { Progress } from '../../src/ops/progress.js';
import { withOps } from '../context.js';
import { bind } from '../args.js';

export const run: CmdletRun = (args, io) => {
  const words = args.Arguments as string[];
  if (words.length !== 1) throw usage('"pull" requires exactly 1 argument');
  const quiet = args.Quiet === true;
  const all = args.AllTags === true;
  const ref = parseReference(words[0]!);
  if (all && (ref.tag || ref.digest)) throw usage("tag can't be used with --all-tags/-a");
  if (!all && !ref.tag && !ref.digest) {
    ref.tag = 'latest';
    if (!quiet) io.out('Using default tag: latest');
  }
  const reference = formatReference(ref);
  const platform = bind(args, 'Platform', parsePlatform);
  const print = (lines: string[]) => {
    if (!quiet && lines.length) io.out(lines.join('\n'));
  };
  // The printer of the image being pulled: with -a, one per tag in turn.
  let printer: PullPrinter | undefined;
  const progress: Progress = { layer: (digest, state) => printer?.layer(digest, state) };
  return withOps(io, async (ctx) => {
    // -a: every tag, in the registry's order, as docker pulls them.
    const tags = all ? await repositoryTags(ctx, reference) : [undefined];
    let upToDate = true;
    for (const tag of tags) {
      const one = tag === undefined ? reference : `${reference}:${tag}`;
      printer = pullPrinter(one, ref.repository, tag ?? (ref.digest ? undefined : ref.tag), print);
      const top = (await installImage(ctx, { by: 'reference', reference: one, insecure: false }, { platform })).at(-1)!;
      printer.done({ manifestDigest: top.image.manifestDigest, configKnown: top.configKnown });
      upToDate &&= top.alreadyInstalled && !top.newTag;
    }
    if (quiet) io.out(reference);
    else print(pullStatus(reference, upToDate));
  }, { progress });
};
