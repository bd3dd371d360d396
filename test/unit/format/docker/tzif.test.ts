/**
 * TZif files read and looked up as Go reads them: the tz database's own files on this machine,
 * and files written by test/support/tzif.ts for what the database does not ship. Every expected
 * line is what Go 1.19 printed, time.Unix(s, 0).In(loc).Format("2006-01-02 15:04:05 -0700 MST"),
 * for the same file and instant.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { goTimeString } from '../../../../src/format/docker/duration.js';
import { tzifZone, type Zone } from '../../../../src/format/docker/tzif.js';
import { tzif } from '../../../support/tzif.js';

const at = (...civil: [number, number, number?, number?, number?, number?]) => Date.UTC(...civil) / 1000;
const GO_ZERO_TIME = -62_135_596_800;

function zoneOf(data: Uint8Array): Zone {
  const zone = tzifZone(data);
  assert.ok(zone, 'the file did not parse');
  return zone;
}

const database = (name: string) => zoneOf(readFileSync(`/usr/share/zoneinfo/${name}`));

/** [instant, Go's line]. */
function check(zone: Zone, cases: Array<[number, string]>): void {
  for (const [instant, line] of cases) assert.equal(goTimeString(instant, zone), line, `at ${instant}`);
}

describe('format/docker/tzif (time zone files, as Go reads them)', () => {
  describe('the tz database', () => {
    it("Asia/Kolkata: IST, the case docker printed and letters CLDR does not have; +0630 in 1942, LMT before the first transition", () => {
      const zone = database('Asia/Kolkata');
      check(zone, [
        [at(2026, 11, 3, 14, 54, 50), '2026-12-03 20:24:50 +0530 IST'],
        [at(1942, 0, 1), '1942-01-01 06:30:00 +0630 +0630'],
        [GO_ZERO_TIME, '0001-01-01 05:53:28 +0553 LMT'],
      ]);
      assert.deepEqual(zone(at(2026, 11, 3)), { offset: 19800, abbreviation: 'IST' });
    });

    it('Europe/Berlin: CET and CEST either side of both 2026 transitions', () => {
      check(database('Europe/Berlin'), [
        [at(2026, 2, 29, 1) - 1, '2026-03-29 01:59:59 +0100 CET'],
        [at(2026, 2, 29, 1), '2026-03-29 03:00:00 +0200 CEST'],
        [at(2026, 9, 25, 1) - 1, '2026-10-25 02:59:59 +0200 CEST'],
        [at(2026, 9, 25, 1), '2026-10-25 02:00:00 +0100 CET'],
      ]);
    });

    it('Europe/Berlin after its last transition (2037): the footer rule decides, summer and winter', () => {
      check(database('Europe/Berlin'), [
        [at(2100, 2, 28, 1) - 1, '2100-03-28 01:59:59 +0100 CET'],
        [at(2100, 2, 28, 1), '2100-03-28 03:00:00 +0200 CEST'],
        [at(2100, 6, 1, 12), '2100-07-01 14:00:00 +0200 CEST'],
      ]);
    });

    it('Europe/Berlin before its first transition (1893): LMT, with its seconds', () => {
      check(database('Europe/Berlin'), [
        [-2_422_054_408 - 1, '1893-03-31 23:59:59 +0053 LMT'],
        [-2_422_054_408, '1893-04-01 00:06:32 +0100 CET'],
        [GO_ZERO_TIME, '0001-01-01 00:53:28 +0053 LMT'],
      ]);
    });

    it('America/New_York: EST and EDT either side of both 2026 transitions, and in 2150', () => {
      check(database('America/New_York'), [
        [at(2026, 2, 8, 7) - 1, '2026-03-08 01:59:59 -0500 EST'],
        [at(2026, 2, 8, 7), '2026-03-08 03:00:00 -0400 EDT'],
        [at(2026, 10, 1, 6) - 1, '2026-11-01 01:59:59 -0400 EDT'],
        [at(2026, 10, 1, 6), '2026-11-01 01:00:00 -0500 EST'],
        [at(2150, 0, 1), '2149-12-31 19:00:00 -0500 EST'],
      ]);
    });

    it('Asia/Dubai: the numeric abbreviation +04, now and after the last transition', () => {
      check(database('Asia/Dubai'), [
        [at(2026, 11, 3), '2026-12-03 04:00:00 +0400 +04'],
        [at(2100, 0, 1), '2100-01-01 04:00:00 +0400 +04'],
      ]);
    });

    it('Australia/Sydney: AEDT over the new year, AEST in the winter, both from the footer in 2100', () => {
      check(database('Australia/Sydney'), [
        [at(2026, 3, 4, 16) - 1, '2026-04-05 02:59:59 +1100 AEDT'],
        [at(2026, 3, 4, 16), '2026-04-05 02:00:00 +1000 AEST'],
        [at(2026, 9, 3, 16) - 1, '2026-10-04 01:59:59 +1000 AEST'],
        [at(2026, 9, 3, 16), '2026-10-04 03:00:00 +1100 AEDT'],
        [at(2099, 11, 31, 12), '2099-12-31 23:00:00 +1100 AEDT'],
        [at(2100, 6, 1), '2100-07-01 10:00:00 +1000 AEST'],
      ]);
    });

    it('UTC, and right/UTC, whose leap second records are skipped', () => {
      check(database('UTC'), [[at(2026, 11, 3), '2026-12-03 00:00:00 +0000 UTC']]);
      check(database('right/UTC'), [[at(2026, 11, 3), '2026-12-03 00:00:00 +0000 UTC']]);
    });
  });

  describe('the file format', () => {
    const CET: [number, boolean, string] = [3600, false, 'CET'];
    const CEST: [number, boolean, string] = [7200, true, 'CEST'];
    const transitions: Array<[number, number]> = [
      [at(2020, 2, 29, 1), 1],
      [at(2020, 9, 25, 1), 0],
    ];

    it('reads version 1 (32-bit data, no footer): the last transition holds forever', () => {
      check(zoneOf(tzif({ version: 0, types: [CET, CEST], transitions })), [
        [at(2020, 6, 1), '2020-07-01 02:00:00 +0200 CEST'],
        [at(2021, 6, 1), '2021-07-01 01:00:00 +0100 CET'],
      ]);
    });

    it('reads version 3 past its 32-bit data and leap seconds, and its footer after the last transition', () => {
      check(zoneOf(tzif({ version: 3, leaps: 3, types: [CET, CEST], transitions, footer: 'CET-1CEST,M3.5.0,M10.5.0/3' })), [
        [at(2020, 2, 29, 1) - 1, '2020-03-29 01:59:59 +0100 CET'],
        [at(2020, 6, 1), '2020-07-01 02:00:00 +0200 CEST'],
        [at(2020, 9, 25, 1), '2020-10-25 02:00:00 +0100 CET'],
        [at(2021, 6, 1), '2021-07-01 02:00:00 +0200 CEST'],
      ]);
    });

    it('keeps the last transition when the footer does not parse, and applies a footer to a file without transitions', () => {
      check(zoneOf(tzif({ types: [CET, CEST], transitions, footer: 'CET-1CEST,M3.5.0' })), [[at(2021, 6, 1), '2021-07-01 01:00:00 +0100 CET']]);
      check(zoneOf(tzif({ types: [[0, false, 'ZZZ']], footer: '<+04>-4' })), [[at(2026, 0, 1), '2026-01-01 04:00:00 +0400 +04']]);
      check(zoneOf(tzif({ types: [[-18000, false, '-05']] })), [[at(2026, 0, 1), '2025-12-31 19:00:00 -0500 -05']]);
    });

    it('prints the offset where a footer names its zone <>', () => {
      check(zoneOf(tzif({ types: [[0, false, 'ZZZ']], footer: '<>-4' })), [[at(2026, 0, 1), '2026-01-01 04:00:00 +0400 +0400']]);
    });

    it("chooses the type before the first transition as tzcode does", () => {
      const first = (types: Array<[number, boolean, string]>, transitionTypes: [number, number]) =>
        zoneOf(tzif({ types, transitions: [[0, transitionTypes[0]], [100, transitionTypes[1]]] }))(-1).abbreviation;
      // The first type, when no transition uses it.
      assert.equal(first([[100, false, 'AAA'], [200, false, 'BBB'], [300, true, 'CCC']], [1, 2]), 'AAA');
      // The first transition is to daylight time: the nearest standard type before it.
      assert.equal(first([[100, false, 'AAA'], [200, false, 'BBB'], [300, true, 'CCC']], [2, 0]), 'BBB');
      // Otherwise the first standard type.
      assert.equal(first([[100, true, 'AAA'], [200, false, 'BBB'], [300, true, 'CCC']], [0, 1]), 'BBB');
      // All daylight: the first.
      assert.equal(first([[100, true, 'AAA'], [200, true, 'BBB']], [1, 0]), 'AAA');
    });

    it('refuses what Go refuses as malformed', () => {
      const good = tzif({ types: [CET, CEST], transitions, footer: 'CET-1CEST,M3.5.0,M10.5.0/3' });
      assert.ok(tzifZone(good));
      const edited = (edit: (b: Uint8Array) => void) => {
        const copy = Uint8Array.from(good);
        edit(copy);
        return copy;
      };
      const nameOutOfRange = Uint8Array.from(tzif({ version: 0, types: [[0, false, 'AAA']] }));
      nameOutOfRange[44 + 5] = 4;
      const bad: Record<string, Uint8Array> = {
        'no magic': edited((b) => (b[3] = 0x46)),
        'version 4': edited((b) => (b[4] = 0x34)),
        'cut in the 32-bit data': good.subarray(0, 60),
        'cut in the 64-bit data': good.subarray(0, good.length - 40),
        empty: new Uint8Array(0),
        'no types': tzif({ types: [] }),
        'an abbreviation index past the abbreviations': nameOutOfRange,
        'a transition to a type that does not exist': tzif({ version: 0, types: [[0, false, 'AAA']], transitions: [[0, 1]] }),
      };
      for (const [what, data] of Object.entries(bad)) assert.equal(tzifZone(data), undefined, what);
    });
  });
});
