/**
 * `docker pull`'s lines when its output is not a terminal (docker/cli's jsonmessage stream
 * without progress bars): a header, each layer's states by its 12-hex short id, then the
 * digest, the status and the reference.
 */
import type { Digest } from '../../image/digest.js';
import type { LayerState } from '../../ops/progress.js';

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

/** `1.0: Pulling from golden/app`; by digest, the whole reference names it. */
export function pullHeader(reference: string, repository: string, tag: string | undefined): string {
  return `${tag ?? reference}: Pulling from ${repository}`;
}

/** The digest and status lines, then the reference (what scripts read). */
export function pullSummary(reference: string, manifestDigest: string, upToDate: boolean): string[] {
  return [`Digest: ${manifestDigest}`, `Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${reference}`, reference];
}
