/** Opens the store for one cmdlet run and closes it afterwards, whatever happens. */
import type { CmdletIO } from '../src/cli/types.js';
import { openContext, type OpsContext } from '../src/ops/context.js';

export async function withOps<T>(io: CmdletIO, fn: (ctx: OpsContext) => Promise<T> | T): Promise<T> {
  const ctx = await openContext({
    report: { info: (m) => io.info(m), warn: (m) => io.warn(m), debug: (m) => io.debug(m) },
    signal: io.signal,
  });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
