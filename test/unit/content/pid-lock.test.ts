/**
 * A lock left by a crashed process is taken over by whoever waits for it, and when several
 * wait, by exactly one of them at a time: removing the stale lock and linking one's own are
 * two steps, and a waiter that judged the old lock stale must not remove the new one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatOwner } from '../../../src/content/owner.js';
import { acquirePidLock, tryPidLock } from '../../../src/content/pid-lock.js';
import { deadPid } from '../../support/processes.js';

describe('pid locks: taking over a stale lock', function () {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ctrimg-pidlock-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('of several waiters on a crashed lock, only one holds it at a time', async () => {
    const dead = { pid: await deadPid(), start: '1', boot: 'gone', command: 'Install-ContainerImage' };
    const lock = join(dir, 'x.lock');
    let holding = 0;
    let most = 0;
    for (let round = 0; round < 40; round++) {
      await writeFile(lock, formatOwner(dead));
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          const release = await acquirePidLock(lock, { signal: AbortSignal.timeout(20_000) });
          most = Math.max(most, ++holding);
          // Hold it across a few turns of the event loop, while the others look at the lock.
          for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
          holding--;
          await release();
        }),
      );
      assert.equal(most, 1, `round ${round}: ${most} waiters held the lock at once`);
    }
  });

  it('tryPidLock gives up at once on a live holder, and takes a free or stale lock', async () => {
    const lock = join(dir, 'y.lock');
    const held = await acquirePidLock(lock);
    const text = await readFile(lock, 'utf8');
    assert.equal(await tryPidLock(lock), undefined);
    assert.equal(await readFile(lock, 'utf8'), text, "the live holder's lock is untouched");
    await held();

    const free = await tryPidLock(lock);
    assert.ok(free);
    await free();

    await writeFile(lock, formatOwner({ pid: await deadPid(), start: '1', boot: 'gone', command: 'Install-ContainerImage' }));
    const stale = await tryPidLock(lock);
    assert.ok(stale, 'a crashed holder is taken over');
    await stale();
  });
});
