/**
 * Layer progress as `docker pull` shows it, one line per layer:
 * `a1b2c3d4e5f6: Downloading  12.3MB/45.6MB  3.4MB/s`, `a1b2c3d4e5f6: Pull complete`.
 * Pure; the caller keeps the states and decides when and where to draw.
 */
import type { LayerState } from '../ops/progress.js';
import { formatBytes } from './units.js';

export interface LayerProgress {
  /** The layer's blob digest, `sha256:<hex>`. */
  digest: string;
  state: LayerState;
  /** Bytes of the blob received so far, resumed bytes included. */
  bytes: number;
  total: number;
  /** When the download started (ms since the epoch), for the speed. */
  since?: number;
}

/** The first 12 hex digits of the digest, as docker names layers. */
export function shortLayerId(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

/** Terminal states: a layer in one of them will not change again. */
export function layerDone(state: LayerState): boolean {
  return state === 'Pull complete' || state === 'Already exists';
}

export function renderLayerLine(layer: LayerProgress, now: number): string {
  const head = `${shortLayerId(layer.digest)}: ${layer.state}`;
  if (layer.state !== 'Downloading') return head;
  const seconds = layer.since === undefined ? 0 : (now - layer.since) / 1000;
  const speed = seconds > 0 ? `  ${formatBytes(layer.bytes / seconds)}/s` : '';
  return `${head}  ${formatBytes(layer.bytes)}/${formatBytes(layer.total)}${speed}`;
}

export function renderProgress(layers: readonly LayerProgress[], now: number): string[] {
  return layers.map((l) => renderLayerLine(l, now));
}
