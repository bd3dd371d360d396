/** setTimes: tar times before 1970, between seconds and beyond 2038, as `stat` reads them back. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimes, setTimesSync, type Timestamp } from '../../../src/layers/times.js';
import { tempRoot } from '../../support/tars.js';

/** `stat -c FORMAT` of a path, not following a symlink. */
const statOf = (format: string, path: string) => execFileSync('stat', ['-c', format, path], { encoding: 'utf8' }).trim();

/** What stat prints (%.9Y) for a time set to its microsecond: `sec + floor(nsec/1000) µs`, exactly. */
function expected(t: Timestamp): string {
  const ns = BigInt(t.sec) * 1_000_000_000n + BigInt(Math.floor(t.nsec / 1000) * 1000);
  const abs = (ns < 0n ? -ns : ns).toString().padStart(10, '0');
  return `${ns < 0n ? '-' : ''}${abs.slice(0, -9)}.${abs.slice(-9)}`;
}

const TIMES: Timestamp[] = [
  { sec: 0, nsec: 0 },
  { sec: -1, nsec: 999_999_999 }, // a nanosecond before 1970: the second must stay -1
  { sec: -2, nsec: 500_001_000 },
  { sec: -86_400 * 365 * 30, nsec: 0 }, // 1940
  { sec: 1_767_225_600, nsec: 123_456_789 }, // 2026, the nanoseconds below the microsecond lost
  { sec: 2_147_483_647, nsec: 999_999_000 }, // the last second a 32-bit time_t holds
  { sec: 4_102_444_800, nsec: 1000 }, // 2100
  { sec: 16_000_000_000, nsec: 999_999_999 }, // beyond ext4's range: stat shows where the fs stops
];

describe('layers/times', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  it('sets mtimes and atimes exactly to the microsecond, the second exact before 1970 and beyond 2038', async () => {
    const file = join(root, 'f');
    await writeFile(file, '');
    for (const t of TIMES.slice(0, -1)) {
      const atime = { sec: t.sec - 7, nsec: t.nsec };
      await setTimes(file, t, atime);
      assert.equal(statOf('%.9Y', file), expected(t), JSON.stringify(t));
      assert.equal(statOf('%.9X', file), expected(atime), `atime ${JSON.stringify(atime)}`);
    }
  });

  it('gives a time beyond what the file system keeps as the file system clamps it, never as now', async () => {
    const file = join(root, 'f');
    await writeFile(file, '');
    const far = TIMES.at(-1)!;
    await setTimes(file, far);
    // ext4 stops in 2446; whatever the fs, the time is not "now" (what Node makes of a bad number).
    assert.ok(Number(statOf('%Y', file)) > 4_102_444_800, statOf('%Y', file));
  });

  it('sets a symlink its own times, and an open file through its handle or descriptor', async () => {
    const target = join(root, 'target');
    const link = join(root, 'link');
    await writeFile(target, '');
    await symlink('target', link);
    const before = statOf('%.9Y', target);
    await setTimes(link, TIMES[2]!, undefined, true);
    assert.equal(statOf('%.9Y', link), expected(TIMES[2]!));
    assert.equal(statOf('%.9Y', target), before, 'the target is untouched');

    const fh = await open(target, 'r+');
    await setTimes(fh, TIMES[3]!);
    await fh.close();
    assert.equal(statOf('%.9Y', target), expected(TIMES[3]!));
    const fd = openSync(target, 'r+');
    setTimesSync(fd, TIMES[6]!);
    closeSync(fd);
    assert.equal(statOf('%.9Y', target), expected(TIMES[6]!));
  });
});
