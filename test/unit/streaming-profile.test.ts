import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CollectionPacer, type Collect } from '../../src/streaming-profile.js';

const MiB = 1 << 20;
const MODULE = new URL('../../src/streaming-profile.js', import.meta.url).href;

function recording(): { collect: Collect; calls: string[] } {
  const calls: string[] = [];
  return { calls, collect: (options) => calls.push(options?.type ?? 'full') };
}

/**
 * The forced collections V8 reports (perf_hooks 'gc' entries: kind 1 young, 4 full) while a fresh
 * Node process streams 4 MiB and then 252 MiB more, after `allow` lets it or not, and whether a
 * new context then has `gc`. A fresh process: the profile changes V8 for the whole process,
 * which this one must not be.
 */
function forcedCollections(allow: boolean): { kinds: number[]; gcExposed: boolean } {
  const script = `
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    import { allowStreamingProfile, streamed } from ${JSON.stringify(MODULE)};
    const kinds = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) kinds.push(e.detail.kind);
    });
    observer.observe({ entryTypes: ['gc'] });
    ${allow ? 'allowStreamingProfile();' : ''}
    streamed(4 * 1024 * 1024);
    streamed(252 * 1024 * 1024);
    // Node reports a collection's entry from the event loop, some turns after the call that made
    // it (two here): up to 50 turns are given, fewer once both arrived.
    for (let turn = 0; turn < 50 && kinds.length < ${allow ? 2 : 'Infinity'}; turn++) await new Promise((resolve) => setImmediate(resolve));
    observer.disconnect();
    const { runInNewContext } = await import('node:vm');
    console.log(JSON.stringify({ kinds, gcExposed: runInNewContext('typeof gc') === 'function' }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { kinds: number[]; gcExposed: boolean };
}

describe('streaming profile', () => {
  it('asks for a young collection every 4 MiB streamed and a full one every 256 MiB', () => {
    const { collect, calls } = recording();
    const pacer = new CollectionPacer(collect);
    pacer.streamed(4 * MiB - 1);
    assert.deepEqual(calls, []);
    pacer.streamed(1);
    assert.deepEqual(calls, ['minor']);
    // In chunks of 64 KiB up to 256 MiB in all: a young one at 8, 12, ... 252 MiB, then at 256 the full one instead.
    for (let n = 4 * MiB; n < 256 * MiB; n += 64 * 1024) pacer.streamed(64 * 1024);
    assert.deepEqual(calls, [...Array<string>(63).fill('minor'), 'full']);
    // A full collection starts both counts again.
    pacer.streamed(4 * MiB - 1);
    assert.equal(calls.length, 64);
    pacer.streamed(1);
    assert.deepEqual(calls.slice(64), ['minor']);
  });

  it('one chunk larger than a step asks once', () => {
    const { collect, calls } = recording();
    new CollectionPacer(collect).streamed(300 * MiB);
    assert.deepEqual(calls, ['full']);
  });

  it('in a process that allows it (the executable), streamed bytes make V8 collect', function () {
    this.timeout(20_000);
    assert.deepEqual(forcedCollections(true), { kinds: [1, 4], gcExposed: true });
  });

  it('in a process that does not (a program importing the modules, the tests), streaming changes nothing', function () {
    this.timeout(20_000);
    assert.deepEqual(forcedCollections(false), { kinds: [], gcExposed: false });
  });
});
