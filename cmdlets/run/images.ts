/** What images runs; cmdlets/images.ts, its spec, loads this when it runs. */
import { currentZone } from '../../src/cli/time-zone.js';
import type { Args, CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { renderDockerImages } from '../../src/format/docker/images.js';
import { listDockerImages } from '../../src/ops/docker-views.js';
import type { StoreContext } from '../../src/ops/store-context.js';
import { withStore } from '../context.js';

export const run: CmdletRun = (args, io) => withStore(io, async (ctx) => io.out(await imagesOutput(ctx, args, ctx.now().getTime())));

/** The listing at `now` (ms), in the zone TZ names now: apart from run so that a test can fix the clock. */
export async function imagesOutput(ctx: StoreContext, args: Args, now: number): Promise<string> {
  const words = args.Arguments as string[];
  if (words.length > 1) throw usage('"images" requires at most 1 argument');
  const rows = await listDockerImages(ctx, { all: args.All === true, filters: args.Filter as string[] | undefined, reference: words[0] });
  return renderDockerImages(rows, {
    now,
    zone: await currentZone(),
    quiet: args.Quiet === true,
    digests: args.Digests === true,
    noTrunc: args.NoTrunc === true,
    format: args.Format as string | undefined,
  });
}
