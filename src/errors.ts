/**
 * One error type for everything ctrimg reports to a user. The exit code is decided here, in
 * one place, from the error's kind; the CLI prints `message` (plus `hint`) as one line.
 */
export type ErrorKind = 'failed' | 'usage' | 'notFound' | 'dependent';

const EXIT: Record<ErrorKind, number> = { failed: 1, usage: 2, notFound: 3, dependent: 4 };

export interface ErrorOptions {
  /** What the user can do about it; appended to the one-line message. */
  hint?: string;
  /** Stable machine-readable code, e.g. MANIFEST_UNKNOWN, DIGEST_MISMATCH. */
  code?: string;
  /** True when retrying the same operation may succeed (network trouble, 5xx, 429). */
  temporary?: boolean;
  /**
   * Values the error is about, for a caller that words its own hint (the cmdlet layer naming its
   * parameters): e.g. `{ reference }` of an untrusted base image. Never a credential.
   */
  details?: Readonly<Record<string, string>>;
  cause?: unknown;
}

export class CtrimgError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly code: string;
  readonly temporary: boolean;
  readonly details: Readonly<Record<string, string>>;

  constructor(kind: ErrorKind, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CtrimgError';
    this.kind = kind;
    this.hint = opts.hint;
    this.code = opts.code ?? kind.toUpperCase();
    this.temporary = opts.temporary ?? false;
    this.details = opts.details ?? {};
  }

  get exitCode(): number {
    return EXIT[this.kind];
  }
}

export const failed = (msg: string, opts?: ErrorOptions) => new CtrimgError('failed', msg, opts);
export const usage = (msg: string, opts?: ErrorOptions) => new CtrimgError('usage', msg, opts);
export const notFound = (msg: string, opts?: ErrorOptions) => new CtrimgError('notFound', msg, opts);
export const dependent = (msg: string, opts?: ErrorOptions) => new CtrimgError('dependent', msg, opts);

/** Exit code for anything thrown: our errors carry one, anything else is a plain failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CtrimgError ? err.exitCode : 1;
}

/** ENOSPC or EDQUOT as one NO_SPACE error saying what could not be written where; else undefined. */
export function diskFull(err: unknown, what: string, dir: string): CtrimgError | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  return failed(`${what}: the disk is full (no space left in ${dir})`, { code: 'NO_SPACE', hint: 'free some space there and try again', cause: err });
}
