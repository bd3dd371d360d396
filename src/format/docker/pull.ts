/**
 * `docker pull`'s lines when its output is not a terminal (docker/cli's jsonmessage stream
 * without progress bars): for each image a header, each layer's states by its 12-hex short id
 * and the digest; then the status and the reference. The lines go out as the layers move.
 */
import type { Digest } from '../../image/digest.js';
import type { LayerState, Progress } from '../../ops/progress.js';

/** What docker prints for a layer reaching `state`: none for the byte counts it draws only on a terminal. */
export function pullLayerLines(digest: Digest, state: LayerState): string[] {
  const id = digest.slice('sha256:'.length, 'sha256:'.length + 12);
  switch (state) {
    case 'Waiting':
      return [`${id}: Pulling fs layer`];
    case 'Download complete':
      return [`${id}: Verifying Checksum`, `${id}: Download complete`];
    case 'Pull complete':
    case 'Already exists':
      return [`${id}: ${state}`];
    default:
      return [];
  }
}

export interface PullPrinter extends Progress {
  /** The image is in: the lines held back and the digest. */
  done(result: { manifestDigest: string; configKnown: boolean }): void;
}

/** The pull's last lines: its status, then the reference (what scripts read). */
export function pullStatus(reference: string, upToDate: boolean): string[] {
  return [`Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${reference}`, reference];
}

/**
 * The lines of a pull of `reference` (`host/repo:tag` or `host/repo@digest`) of `repository`.
 * The header comes with the first layer (or at the end): `1.0: Pulling from golden/app`, by
 * digest the whole reference. docker prints no layer at all for an image it has under another
 * name, so the layers found already there are held back until one is not, and dropped then.
 */
export function pullPrinter(reference: string, repository: string, tag: string | undefined, print: (lines: string[]) => void): PullPrinter {
  let header = false;
  const held: string[] = [];
  const head = () => {
    if (!header) print([`${tag ?? reference}: Pulling from ${repository}`]);
    header = true;
  };
  return {
    layer(digest, state) {
      head();
      const lines = pullLayerLines(digest, state);
      if (state === 'Already exists') return void held.push(...lines);
      print(held.splice(0));
      print(lines);
    },
    done({ manifestDigest, configKnown }) {
      head();
      if (!configKnown) print(held.splice(0));
      print([`Digest: ${manifestDigest}`]);
    },
  };
}
