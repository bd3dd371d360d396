/**
 * Operations word their errors and hints in domain terms; a cmdlet's `hints` table (CmdletSpec)
 * says the same in the words of its parameters and of the other cmdlets, by error code.
 */
import { CtrimgError } from '../errors.js';
import type { CmdletSpec } from './types.js';

/** The error with the hint the cmdlet gives for its code, else the error as it is. */
export function withCmdletHint(spec: CmdletSpec, err: unknown): unknown {
  if (!(err instanceof CtrimgError)) return err;
  const entry = spec.hints?.[err.code];
  const hint = typeof entry === 'function' ? entry(err) : entry;
  if (hint === undefined || hint === err.hint) return err;
  const hinted = new CtrimgError(err.kind, err.message, { hint, code: err.code, temporary: err.temporary, details: err.details, cause: err.cause });
  hinted.stack = err.stack;
  return hinted;
}
