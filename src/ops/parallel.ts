/**
 * Runs `fn` over `items` with at most `limit` calls in flight, results in the items' order.
 * Each call gets a signal that aborts when `signal` does or when another call fails: the first
 * failure stops the start of new calls, cancels those in flight, waits for them to settle and
 * is then thrown.
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`parallelism must be a whole number of at least 1, not ${limit}`);
  const controller = new AbortController();
  const linked = AbortSignal.any([signal, controller.signal]);
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && !linked.aborted && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, linked);
      } catch (error) {
        if (!failure) {
          failure = { error };
          controller.abort(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  signal.throwIfAborted();
  return results;
}
