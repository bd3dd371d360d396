/**
 * Opens the store for one cmdlet run and closes it afterwards, whatever happens. Layer progress
 * is drawn on stderr only when it is a terminal and -Quiet was not given: one line per layer,
 * redrawn in place (ANSI cursor up), bytes-only updates at most ~10 times a second. Elsewhere
 * the operations' `Installing …`/`Installed …` lines are all the progress there is.
 */
import type { CmdletIO } from '../src/cli/types.js';
import { layerDone, renderProgress, type LayerProgress } from '../src/format/progress.js';
import { openContext, type OpsContext, type Progress } from '../src/ops/context.js';

const REDRAW_MS = 100;

interface LayerDrawer extends Progress {
  /** Draws the last state and lets a message be printed below it. */
  settle(): void;
}

/** Redraws the block of layer lines through `write`, which must put the text on stderr as is. */
export function terminalProgress(write: (text: string) => void, now: () => number = Date.now): LayerDrawer {
  const layers = new Map<string, LayerProgress>();
  let drawn = 0;
  let lastDraw = -Infinity;
  const draw = () => {
    const lines = renderProgress([...layers.values()], now());
    write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
    lastDraw = now();
  };
  return {
    layer(digest, state, bytes, total) {
      const prev = layers.get(digest);
      const next: LayerProgress = { digest, state, bytes: bytes ?? prev?.bytes ?? 0, total: total ?? prev?.total ?? 0, since: prev?.since };
      if (state === 'Downloading' && next.since === undefined) next.since = now();
      layers.set(digest, next);
      if (prev?.state !== state || now() - lastDraw >= REDRAW_MS) draw();
    },
    settle() {
      if (layers.size === 0) return;
      draw();
      // What is finished stays printed above the message; what is not is drawn again below it.
      for (const [digest, l] of layers) if (layerDone(l.state)) layers.delete(digest);
      drawn = 0;
    },
  };
}

export async function withOps<T>(io: CmdletIO, fn: (ctx: OpsContext) => Promise<T> | T): Promise<T> {
  const drawer = io.interactive && !io.quiet ? terminalProgress((text) => io.info(text)) : undefined;
  const settled = (print: (m: string) => void) => (m: string) => {
    drawer?.settle();
    print(m);
  };
  const ctx = await openContext({
    report: { info: settled((m) => io.info(m)), warn: settled((m) => io.warn(m)), debug: (m) => io.debug(m) },
    progress: drawer,
    signal: io.signal,
  });
  try {
    return await fn(ctx);
  } finally {
    drawer?.settle();
    await ctx.close();
  }
}
