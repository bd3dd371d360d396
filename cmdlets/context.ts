/**
 * Opens the store for one cmdlet run and closes it afterwards, whatever happens. Layer progress
 * is drawn on stderr only when it is a terminal and -Quiet was not given; elsewhere the
 * operations' `Installing …`/`Installed …` lines are all the progress there is. The operations
 * take the leases they need themselves (src/ops/lease-scope.ts).
 */
import { terminalProgress } from '../src/cli/progress.js';
import type { CmdletIO } from '../src/cli/types.js';
import type { ImporterKind } from '../src/importers/kinds.js';
import { openContext, type OpsContext } from '../src/ops/context.js';

/** `importer`: the kind forced by the cmdlets that import or remove layers (see importerArg). */
export async function withOps<T>(
  io: CmdletIO,
  fn: (ctx: OpsContext) => Promise<T> | T,
  opts: { importer?: ImporterKind } = {},
): Promise<T> {
  const drawer = io.interactive && !io.quiet ? terminalProgress((text) => io.progress(text)) : undefined;
  const settled = (print: (m: string) => void) => (m: string) => {
    drawer?.settle();
    print(m);
  };
  const ctx = await openContext({
    report: { info: settled((m) => io.info(m)), warn: settled((m) => io.warn(m)), debug: (m) => io.debug(m) },
    progress: drawer,
    signal: io.signal,
    importer: opts.importer,
  });
  try {
    return await fn(ctx);
  } finally {
    drawer?.settle();
    await ctx.close();
  }
}
