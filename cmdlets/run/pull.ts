/** What pull runs; cmdlets/pull.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import type { Progress } from '../../src/ops/progress.js';
import { usage } from '../../src/errors.js';
import { pullHeader, pullLayerLines, pullSummary } from '../../src/format/docker/pull.js';
import { parseReference } from '../../src/image/reference.js';
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
  const reference = `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  const platform = bind(args, 'Platform', parsePlatform);
  const print = (lines: string[]) => {
    if (!quiet && lines.length) io.out(lines.join('\n'));
  };
  // Layers are told once the image is resolved, so the header goes first. docker prints no
  // layer at all for an image it has (a new tag of it): the layers found already there are
  // held back until one is not.
  let header = false;
  const held: string[] = [];
  const progress: Progress = {
    layer: (digest, state) => {
      if (!header) print([pullHeader(reference, ref.repository, ref.digest ? undefined : ref.tag)]);
      header = true;
      const lines = pullLayerLines(digest, state);
      if (state === 'Already exists') return void held.push(...lines);
      print(held.splice(0));
      print(lines);
    },
  };
  return withOps(io, async (ctx) => {
    const installed = await installImage(ctx, { by: 'reference', reference, insecure: false }, { platform });
    const top = installed.at(-1)!;
    if (!header) print([pullHeader(reference, ref.repository, ref.digest ? undefined : ref.tag)]);
    if (!top.configKnown) print(held);
    const upToDate = top.alreadyInstalled && !top.newTag;
    if (quiet) io.out(reference);
    else print(pullSummary(reference, top.image.manifestDigest, upToDate));
  }, { progress });
};

