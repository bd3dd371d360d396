/**
 * When and how long to wait before trying a registry request again: exponential backoff with
 * full jitter, `Retry-After` honoured, bounded in attempts and in total time. Only idempotent
 * reads (GET/HEAD) are ever retried.
 */
import { CtrimgError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Backoff before the second attempt; doubled for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this much time has passed since the first failure. */
  totalMs: number;
  /** A transfer that receives no bytes for this long counts as failed. */
  stallMs: number;
  /**
   * A body read whole (manifest, config, listing page, token, error) must have arrived this
   * long after its headers, however steadily it trickles: the stall timer alone restarts on
   * every byte.
   */
  bodyDeadlineMs: number;
  /**
   * A catalog or tags listing must be complete, every page of it, this long after it starts:
   * each page's own body deadline would allow MAX_PAGES times as much.
   */
  listingDeadlineMs: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  totalMs: 120_000,
  stallMs: 30_000,
  bodyDeadlineMs: 60_000,
  listingDeadlineMs: 300_000,
  random: Math.random,
};

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, ...overrides };
}

/** 408, 429 and every 5xx may succeed when asked again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Milliseconds a `Retry-After` header (delta-seconds or an HTTP date) asks us to wait. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Counts the failures of one request and decides whether another attempt may start. A failure
 * after progress (bytes received) starts a new streak, so a long download over a flaky link
 * is bounded per break, not as a whole.
 */
export class RetryBudget {
  /** Attempts made in the current streak of failures. */
  attempts = 1;
  private streakStart?: number;

  constructor(private readonly policy: RetryPolicy) {}

  /**
   * Records a failure and returns how long to wait before the next attempt, or undefined
   * when the budget is spent (the caller then reports `attempts`).
   */
  delay(retryAfter?: number): number | undefined {
    const now = Date.now();
    this.streakStart ??= now;
    if (this.attempts >= this.policy.attempts) return undefined;
    const backoff = this.policy.random() * Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (this.attempts - 1));
    const ms = retryAfter ?? backoff;
    return now + ms - this.streakStart > this.policy.totalMs ? undefined : ms;
  }

  /** Waits `ms` (from `delay`), then counts the attempt about to start. */
  async wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    await sleep(ms, signal);
    this.attempts++;
  }

  /** `delay` and `wait` in one: resolves true when another attempt may start. */
  async next(signal: AbortSignal | undefined): Promise<boolean> {
    const ms = this.delay();
    if (ms === undefined) return false;
    await this.wait(ms, signal);
    return true;
  }

  /** Bytes arrived: the next failure starts a fresh streak. */
  progressed(): void {
    this.attempts = 1;
    this.streakStart = undefined;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The same error, its one line saying how many attempts were made. */
export function afterAttempts(err: CtrimgError, attempts: number): CtrimgError {
  if (attempts <= 1) return err;
  return new CtrimgError(err.kind, `${err.message} (gave up after ${attempts} attempts)`, {
    code: err.code,
    hint: err.hint,
    temporary: err.temporary,
    cause: err.cause,
  });
}
