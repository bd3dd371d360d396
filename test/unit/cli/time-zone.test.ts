/** The process's zone from TZ at the call, and the zone files read from disk within Go's limit. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentZone, readZoneFile } from '../../../src/cli/time-zone.js';
import { keepTimeZone } from '../../support/time-zone.js';

const at = Date.UTC(2026, 6, 1) / 1000;

describe('cli/time-zone (TZ and the zone files)', () => {
  let dir: string;
  keepTimeZone();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-time-zone-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows TZ as it is at each call', async () => {
    process.env.TZ = 'Asia/Kolkata';
    assert.deepEqual((await currentZone())(at), { offset: 19800, abbreviation: 'IST' });
    process.env.TZ = ':Europe/Berlin';
    assert.deepEqual((await currentZone())(at), { offset: 7200, abbreviation: 'CEST' });
    process.env.TZ = '/usr/share/zoneinfo/Asia/Dubai';
    assert.deepEqual((await currentZone())(at), { offset: 14400, abbreviation: '+04' });
    process.env.TZ = 'Nowhere/Bogus';
    assert.deepEqual((await currentZone())(at), { offset: 0, abbreviation: 'UTC' });
  });

  it('reads a file whole, and nothing from a missing file or a directory', async () => {
    const path = '/usr/share/zoneinfo/Asia/Kolkata';
    const read = await readZoneFile(path);
    assert.ok(read && Buffer.from(read).equals(await readFile(path)));
    assert.equal(await readZoneFile(join(dir, 'missing')), undefined);
    assert.equal(await readZoneFile(dir), undefined);
  });

  it('reads nothing from a file over 10 MiB (Go refuses it) or an endless device, and reads one of 10 MiB', async () => {
    const big = join(dir, 'big');
    await writeFile(big, '');
    await truncate(big, 10 * 1024 * 1024);
    assert.equal((await readZoneFile(big))?.length, 10 * 1024 * 1024);
    await truncate(big, 10 * 1024 * 1024 + 1);
    assert.equal(await readZoneFile(big), undefined);
    assert.equal(await readZoneFile('/dev/zero'), undefined);
  });
});
