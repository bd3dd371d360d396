/**
 * Layer progress on a terminal: one line per layer, redrawn in place (ANSI cursor up),
 * bytes-only updates at most ~10 times a second. The lines themselves come from src/format.
 */
import { layerDone, renderProgress, type LayerProgress } from '../format/progress.js';
import type { Progress } from '../ops/progress.js';

const REDRAW_MS = 100;

export interface LayerDrawer extends Progress {
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

