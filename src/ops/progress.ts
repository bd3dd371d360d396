/**
 * What operations emit while they run: informational lines and the state of each layer of the
 * image being installed. Renderers (src/format) and the terminal (src/cli) consume these types.
 */
import type { Digest } from '../image/digest.js';

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export type LayerState = 'Waiting' | 'Downloading' | 'Download complete' | 'Extracting' | 'Pull complete' | 'Already exists';

/** Where a layer of the image being installed stands; bytes and total only while downloading. */
export interface Progress {
  layer(digest: Digest, state: LayerState, bytes?: number, total?: number): void;
}
