import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { inParallel } from '../../../src/ops/parallel.js';

describe('ops/parallel inParallel', () => {
  /** Runs 10 items, each waiting a little, and reports the most that were ever in flight. */
  async function observe(limit: number): Promise<{ results: number[]; max: number }> {
    let inFlight = 0;
    let max = 0;
    const results = await inParallel([...Array(10).keys()], limit, new AbortController().signal, async (n) => {
      max = Math.max(max, ++inFlight);
      await delay(5 + ((n * 7) % 11));
      inFlight--;
      return n * 2;
    });
    return { results, max };
  }

  it('never has more than the limit in flight, reaches it, and keeps the order of the results', async () => {
    for (const limit of [1, 3, 4]) {
      const { results, max } = await observe(limit);
      assert.equal(max, limit, `limit ${limit}`);
      assert.deepEqual(results, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    }
    assert.equal((await observe(50)).max, 10);
    assert.deepEqual(await inParallel([], 3, new AbortController().signal, async () => 1), []);
  });

  it('on the first failure aborts the calls in flight, starts no more, waits for them and throws that failure', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const boom = new Error('boom');
    await assert.rejects(
      inParallel([0, 1, 2, 3, 4, 5], 3, new AbortController().signal, async (n, signal) => {
        started.push(n);
        try {
          if (n === 1) {
            await delay(5);
            throw boom;
          }
          await delay(10_000, undefined, { signal });
        } finally {
          settled.push(n);
        }
      }),
      (err) => err === boom,
    );
    assert.deepEqual(started, [0, 1, 2]);
    assert.deepEqual([...settled].sort(), [0, 1, 2]);
  });

  it('stops when the outer signal aborts', async () => {
    const outer = new AbortController();
    const started: number[] = [];
    const run = inParallel([0, 1, 2, 3], 2, outer.signal, async (n, signal) => {
      started.push(n);
      await delay(10_000, undefined, { signal });
    });
    setTimeout(() => outer.abort(new Error('interrupted')), 5);
    await assert.rejects(run, /aborted|interrupted/);
    assert.deepEqual(started, [0, 1]);
  });

  it('refuses a limit below one or not whole', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(inParallel([1], limit, new AbortController().signal, async () => 1), RangeError);
    }
  });
});
