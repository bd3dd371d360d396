/**
 * Chain ids as the OCI image spec defines them: the id of a layer stack, so that the same
 * diff on different parents is a different layer. ChainID(L0) = DiffID(L0);
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 */
import { sha256, type Digest } from './digest.js';

export function chainIds(diffIds: Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffId : sha256(`${prev} ${diffId}`));
  }
  return out;
}
