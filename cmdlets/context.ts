/**
 * Opens the store for one cmdlet run and closes it afterwards, whatever happens: `withStore`
 * for the runs that only read and decide over the records (listing, a removal's -WhatIf), which
 * so load none of the importers; `withOps` for the rest. Layer progress is drawn on stderr only
 * when it is a terminal and -Quiet was not given; elsewhere the operations' `Installing …`/
 * `Installed …` lines are all the progress there is. The operations take the leases they need
 * themselves (src/ops/lease-scope.ts).
 */
import { terminalProgress } from '../src/cli/progress.js';
import type { CmdletIO } from '../src/cli/types.js';
import type { ImporterKind } from '../src/importers/kinds.js';
import type { OpsContext } from '../src/ops/context.js';
import type { Progress, Reporter } from '../src/ops/progress.js';
import { openStoreContext, type StoreContext } from '../src/ops/store-context.js';

const reporter = (io: CmdletIO, settle: () => void = () => {}): Reporter => {
  const settled = (print: (m: string) => void) => (m: string) => {
    settle();
    print(m);
  };
  return { info: settled((m) => io.info(m)), warn: settled((m) => io.warn(m)), debug: (m) => io.debug(m) };
};

async function using<C extends StoreContext, T>(ctx: C, fn: (ctx: C) => Promise<T> | T, settle?: () => void): Promise<T> {
  try {
    return await fn(ctx);
  } finally {
    settle?.();
    await ctx.close();
  }
}

export async function withStore<T>(io: CmdletIO, fn: (ctx: StoreContext) => Promise<T> | T): Promise<T> {
  return using(await openStoreContext({ report: reporter(io), signal: io.signal }), fn);
}

/**
 * `importer`: the kind forced by the cmdlets that import or remove layers (see importerArg).
 * `progress`: where layer progress goes instead of the terminal's drawing (docker pull's lines).
 */
export async function withOps<T>(
  io: CmdletIO,
  fn: (ctx: OpsContext) => Promise<T> | T,
  opts: { importer?: ImporterKind; progress?: Progress } = {},
): Promise<T> {
  if (opts.progress) {
    const { openContext } = await import('../src/ops/context.js');
    return using(await openContext({ report: reporter(io), progress: opts.progress, signal: io.signal, importer: opts.importer }), fn);
  }
  const drawer = io.interactive && !io.quiet ? terminalProgress((text) => io.progress(text)) : undefined;
  const settle = () => drawer?.settle();
  const { openContext } = await import('../src/ops/context.js');
  const ctx = await openContext({ report: reporter(io, settle), progress: drawer, signal: io.signal, importer: opts.importer });
  return using(ctx, fn, settle);
}
