/** Go's time.Local on Unix: which file TZ names, in which order the directories are tried, and UTC otherwise. */
import assert from 'node:assert/strict';
import { localZone, UTC, zoneFiles } from '../../../../src/format/docker/local-zone.js';
import { tzif } from '../../../support/tzif.js';

const at = Date.UTC(2026, 0, 1) / 1000;

describe('format/docker/local-zone (Go time.Local from TZ)', () => {
  it('names /etc/localtime for TZ unset, nothing (UTC) for TZ empty or UTC, the path for an absolute TZ, the directories otherwise', () => {
    assert.deepEqual(zoneFiles(undefined), ['/etc/localtime']);
    for (const tz of ['', ':', 'UTC', ':UTC']) assert.deepEqual(zoneFiles(tz), [], JSON.stringify(tz));
    assert.deepEqual(zoneFiles('/srv/zones/x'), ['/srv/zones/x']);
    assert.deepEqual(zoneFiles(':/srv/zones/x'), ['/srv/zones/x']);
    const dirs = ['/usr/share/zoneinfo/Asia/Kolkata', '/usr/share/lib/zoneinfo/Asia/Kolkata', '/usr/lib/locale/TZ/Asia/Kolkata'];
    assert.deepEqual(zoneFiles('Asia/Kolkata'), dirs);
    assert.deepEqual(zoneFiles(':Asia/Kolkata'), dirs);
    // Only the exact name UTC skips the files.
    assert.deepEqual(zoneFiles('utc'), ['/usr/share/zoneinfo/utc', '/usr/share/lib/zoneinfo/utc', '/usr/lib/locale/TZ/utc']);
  });

  it('takes the first file that reads and parses, trying the next directory after a malformed one', async () => {
    const files = new Map<string, Uint8Array>([
      ['/usr/share/zoneinfo/Here', Uint8Array.from([1, 2, 3])],
      ['/usr/share/lib/zoneinfo/Here', tzif({ types: [[14400, false, '+04']] })],
      ['/usr/lib/locale/TZ/Here', tzif({ types: [[3600, false, 'CET']] })],
    ]);
    const tried: string[] = [];
    const zone = await localZone('Here', async (path) => {
      tried.push(path);
      return files.get(path);
    });
    assert.deepEqual(zone(at), { offset: 14400, abbreviation: '+04' });
    assert.deepEqual(tried, ['/usr/share/zoneinfo/Here', '/usr/share/lib/zoneinfo/Here']);
  });

  it('is UTC, named UTC, when nothing reads or parses, and reads nothing for TZ empty', async () => {
    const tried: string[] = [];
    const read = async (path: string) => {
      tried.push(path);
      return path === '/etc/localtime' ? Uint8Array.from([0x54, 0x5a]) : undefined;
    };
    assert.equal(await localZone('Nowhere/Bogus', read), UTC);
    assert.equal(await localZone(undefined, read), UTC);
    assert.equal(await localZone('', read), UTC);
    assert.deepEqual(tried, [...zoneFiles('Nowhere/Bogus'), '/etc/localtime']);
    assert.deepEqual(UTC(at), { offset: 0, abbreviation: 'UTC' });
  });
});
