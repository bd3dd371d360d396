/**
 * The POSIX TZ strings of TZif footers, read as Go reads them. Every expected zone here is what
 * Go 1.19 printed for a TZif file holding only that footer (no transitions, so the footer
 * decides every instant).
 */
import assert from 'node:assert/strict';
import { ruleZoneAt } from '../../../../src/format/docker/tz-rule.js';

const at = (...civil: [number, number, number?, number?, number?, number?]) => Date.UTC(...civil) / 1000;

/** [rule, instant, offset, abbreviation]; undefined where Go cannot parse the rule. */
type Case = [string, number, number, string] | [string, number, undefined];

function check(cases: Case[]): void {
  for (const [rule, instant, offset, abbreviation] of cases) {
    const got = ruleZoneAt(rule, instant);
    const want = offset === undefined ? undefined : { offset, abbreviation };
    assert.deepEqual(got, want, `${rule} at ${instant} (${new Date(instant * 1000).toISOString()})`);
  }
}

describe('format/docker/tz-rule (POSIX TZ strings, as Go reads them)', () => {
  it('reads a zone without daylight time, with a half-hour offset, quoted names and an empty name', () => {
    check([
      ['IST-5:30', at(2026, 11, 3, 14, 54, 50), 19800, 'IST'],
      ['<+04>-4', at(2026, 0, 1), 14400, '+04'],
      ['<-03>3', at(2026, 0, 1), -10800, '-03'],
      ['<>-4', at(2026, 0, 1), 14400, ''],
      ['UTC0', at(2026, 0, 1), 0, 'UTC'],
      ['<+167>-167', at(2026, 0, 1), 601200, '+167'],
      ['CET-168', at(2026, 0, 1), 604800, 'CET'],
    ]);
  });

  it('switches on M rules at the local times given, and back', () => {
    const berlin = 'CET-1CEST,M3.5.0,M10.5.0/3';
    check([
      [berlin, at(2026, 2, 29, 1) - 1, 3600, 'CET'],
      [berlin, at(2026, 2, 29, 1), 7200, 'CEST'],
      [berlin, at(2026, 9, 25, 1) - 1, 7200, 'CEST'],
      [berlin, at(2026, 9, 25, 1), 3600, 'CET'],
      // Week 5 is the last such Sunday: 28 March in 2100.
      [berlin, at(2100, 2, 28, 1) - 1, 3600, 'CET'],
      [berlin, at(2100, 2, 28, 1), 7200, 'CEST'],
    ]);
  });

  it('takes the US rules when a DST name comes without rules, and an hour ahead when without an offset', () => {
    check([
      ['EST5EDT', at(2026, 2, 8, 7) - 1, -18000, 'EST'],
      ['EST5EDT', at(2026, 2, 8, 7), -14400, 'EDT'],
      ['EST5EDT', at(2026, 10, 1, 6) - 1, -14400, 'EDT'],
      ['EST5EDT', at(2026, 10, 1, 6), -18000, 'EST'],
      ['XXX-1YYY-3:30:15,M3.5.0,M10.5.0/3', at(2026, 6, 1), 12615, 'YYY'],
    ]);
  });

  it('keeps daylight time over the new year in the southern hemisphere', () => {
    const sydney = 'AEST-10AEDT,M10.1.0,M4.1.0/3';
    check([
      [sydney, at(2026, 0, 1), 39600, 'AEDT'],
      [sydney, at(2026, 3, 4, 16) - 1, 39600, 'AEDT'],
      [sydney, at(2026, 3, 4, 16), 36000, 'AEST'],
      [sydney, at(2026, 6, 1), 36000, 'AEST'],
      [sydney, at(2026, 9, 3, 16) - 1, 36000, 'AEST'],
      [sydney, at(2026, 9, 3, 16), 39600, 'AEDT'],
    ]);
  });

  it('reads Jn days (Feb 29 never counted) and n days (counted from 0, Feb 29 included), and negative times', () => {
    check([
      // J60 is 1 March in every year.
      ['AAA3BBB,J60/0,J300', at(2024, 2, 1, 3) - 1, -10800, 'AAA'],
      ['AAA3BBB,J60/0,J300', at(2024, 2, 1, 3), -7200, 'BBB'],
      ['AAA3BBB,J60/0,J300', at(2023, 2, 1, 3), -7200, 'BBB'],
      // Day 59 is 29 February in a leap year, 1 March otherwise.
      ['AAA3BBB,59/0,300', at(2024, 1, 29, 3) - 1, -10800, 'AAA'],
      ['AAA3BBB,59/0,300', at(2024, 1, 29, 3), -7200, 'BBB'],
      ['AAA3BBB,59/0,300', at(2023, 2, 1, 3), -7200, 'BBB'],
      // 22:00 and 23:00 the day before the Sundays.
      ['<-03>3<-02>,M3.5.0/-2,M10.5.0/-1', at(2026, 2, 29, 1) - 1, -10800, '-03'],
      ['<-03>3<-02>,M3.5.0/-2,M10.5.0/-1', at(2026, 2, 29, 1), -7200, '-02'],
      ['<-03>3<-02>,M3.5.0/-2,M10.5.0/-1', at(2026, 9, 25, 1) - 1, -7200, '-02'],
      ['<-03>3<-02>,M3.5.0/-2,M10.5.0/-1', at(2026, 9, 25, 1), -10800, '-03'],
    ]);
  });

  it("switches a day late before 1970, as Go's truncated remainder makes it", () => {
    const berlin = 'CET-1CEST,M3.5.0,M10.5.0/3';
    check([
      [berlin, -1, 3600, 'CET'],
      [berlin, at(1960, 6, 1), 7200, 'CEST'],
      // The rule says 27 March 1960, 01:00 UTC; Go switches on the 28th.
      [berlin, at(1960, 2, 27, 1), 3600, 'CET'],
      [berlin, at(1960, 2, 28, 1) - 1, 3600, 'CET'],
      [berlin, at(1960, 2, 28, 1), 7200, 'CEST'],
    ]);
  });

  it("accepts ';' before the rules only after a DST offset", () => {
    check([
      ['CET-1CEST-2;M3.5.0,M10.5.0/3', at(2026, 6, 1), 7200, 'CEST'],
      ['CET-1CEST;M3.5.0,M10.5.0/3', at(2026, 6, 1), undefined],
    ]);
  });

  it('refuses what Go refuses: short names, a name alone, one rule, out-of-range fields, trailing text', () => {
    check([
      ['AB-1', at(2026, 0, 1), undefined],
      ['CET', at(2026, 0, 1), undefined],
      ['<+04', at(2026, 0, 1), undefined],
      ['', at(2026, 0, 1), undefined],
      ['CET-1CEST,M3.5.0', at(2026, 6, 1), undefined],
      ['CET-1CEST,M3.6.0,M10.5.0', at(2026, 6, 1), undefined],
      ['CET-1CEST,M13.1.0,M10.5.0', at(2026, 6, 1), undefined],
      ['CET-1CEST,J0,J100', at(2026, 6, 1), undefined],
      ['CET-1CEST,366,100', at(2026, 6, 1), undefined],
      ['CET-1CEST,M3.5.0,M10.5.0/3x', at(2026, 6, 1), undefined],
      ['CET-1:60', at(2026, 6, 1), undefined],
      ['CET-169', at(2026, 6, 1), undefined],
    ]);
  });
});
