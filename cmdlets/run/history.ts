/** What history runs; cmdlets/history.ts, its spec, loads this when it runs. */
import { currentZone } from '../../src/cli/time-zone.js';
import type { Args, CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { renderDockerHistory } from '../../src/format/docker/history.js';
import { dockerHistory } from '../../src/ops/docker-views.js';
import type { StoreContext } from '../../src/ops/store-context.js';
import { withStore } from '../context.js';

export const run: CmdletRun = (args, io) => withStore(io, async (ctx) => io.out(await historyOutput(ctx, args, ctx.now().getTime())));

/** The history at `now` (ms), in the zone TZ names now: apart from run so that a test can fix the clock. */
export async function historyOutput(ctx: StoreContext, args: Args, now: number): Promise<string> {
  const words = args.Arguments as string[];
  if (words.length !== 1) throw usage('"history" requires exactly 1 argument');
  return renderDockerHistory(await dockerHistory(ctx, words[0]!), {
    now,
    zone: await currentZone(),
    human: args.Human !== false,
    quiet: args.Quiet === true,
    noTrunc: args.NoTrunc === true,
    format: args.Format as string | undefined,
  });
}
