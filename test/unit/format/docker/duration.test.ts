import assert from 'node:assert/strict';
import { createdAgo, goRfc3339, goTimeString, GO_ZERO_TIME, humanDuration } from '../../../../src/format/docker/duration.js';
import { keepTimeZone } from '../../../support/time-zone.js';

const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;

describe('format/docker/duration (go-units HumanDuration, Go times)', () => {
  it('steps through every boundary of HumanDuration', () => {
    const cases: [bigint, string][] = [
      [-S, 'Less than a second'],
      [0n, 'Less than a second'],
      [S - 1n, 'Less than a second'],
      [S, '1 second'],
      [2n * S, '2 seconds'],
      [M - 1n, '59 seconds'],
      [M, 'About a minute'],
      [2n * M - 1n, 'About a minute'],
      [2n * M, '2 minutes'],
      [H - 1n, '59 minutes'],
      [H, 'About an hour'],
      // Hours are rounded from here: 89m59s is still about an hour, 90m is 2 hours.
      [90n * M - 1n, 'About an hour'],
      [90n * M, '2 hours'],
      [47n * H + 30n * M - 1n, '47 hours'],
      [47n * H + 30n * M, '2 days'],
      [335n * H + 30n * M - 1n, '13 days'],
      [335n * H + 30n * M, '2 weeks'],
      [1439n * H + 30n * M - 1n, '8 weeks'],
      [1439n * H + 30n * M, '2 months'],
      [17519n * H + 30n * M - S, '24 months'],
      // One nanosecond below the step, hours+0.5 already rounds to 17520 in float64, as in Go.
      [17519n * H + 30n * M - 1n, '1 years'],
      // Years truncate where the other steps rounded: go-units says "1 years" here.
      [17519n * H + 30n * M, '1 years'],
      [17520n * H, '2 years'],
    ];
    for (const [ns, text] of cases) assert.equal(humanDuration(ns), text, `${ns} ns`);
  });

  it("says '<duration> ago' from a clock given in milliseconds", () => {
    const now = Date.UTC(2024, 4, 1, 12, 0, 0);
    assert.equal(createdAgo(now, now / 1000 - 3600), 'About an hour ago');
    assert.equal(createdAgo(now + 999, now / 1000 - 1), '1 second ago');
    assert.equal(createdAgo(now, now / 1000 + 60), 'Less than a second ago');
    assert.equal(createdAgo(now, Date.UTC(2016, 0, 1) / 1000), '8 years ago');
  });

  it("saturates as Go's Time.Sub does: the zero time is 292 years ago", () => {
    assert.equal(createdAgo(Date.UTC(2024, 0, 1), GO_ZERO_TIME), '292 years ago');
  });

  describe('in a zone given (what Go printed for time.FixedZone of the same offset and name)', () => {
    const fixed = (offset: number, abbreviation: string) => () => ({ offset, abbreviation });

    it("prints the zone's offset and abbreviation, and the offset where the abbreviation is empty", () => {
      assert.equal(goTimeString(0, fixed(19800, 'IST')), '1970-01-01 05:30:00 +0530 IST');
      assert.equal(goTimeString(0, fixed(19800, '')), '1970-01-01 05:30:00 +0530 +0530');
      assert.equal(goTimeString(0, fixed(0, '')), '1970-01-01 00:00:00 +0000 +0000');
      assert.equal(goRfc3339(0, fixed(19800, '')), '1970-01-01T05:30:00+05:30');
      assert.equal(goRfc3339(0, fixed(0, '')), '1970-01-01T00:00:00Z');
    });

    it('keeps the seconds of an offset in the time and truncates them in the offset, whose sign is that of the whole minutes', () => {
      assert.equal(goTimeString(0, fixed(-17762, 'LMT')), '1969-12-31 19:03:58 -0456 LMT');
      assert.equal(goRfc3339(0, fixed(-17762, 'LMT')), '1969-12-31T19:03:58-04:56');
      assert.equal(goTimeString(0, fixed(-30, 'XYZ')), '1969-12-31 23:59:30 +0000 XYZ');
      assert.equal(goRfc3339(0, fixed(-30, 'XYZ')), '1969-12-31T23:59:30+00:00');
    });

    it('asks the zone about the instant printed, whatever TZ says', () => {
      const saved = process.env.TZ;
      process.env.TZ = 'America/New_York';
      try {
        const asked: number[] = [];
        const zone = (s: number) => (asked.push(s), { offset: 19800, abbreviation: 'IST' });
        assert.equal(goTimeString(1_796_309_690, zone), '2026-12-03 20:24:50 +0530 IST');
        assert.deepEqual(asked, [1_796_309_690]);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });
  });

  describe('in the runtime zone when none is given, as Go prints time.Local (a guess at the names)', () => {
    keepTimeZone({ around: 'each' });
    const summer = Date.UTC(2016, 5, 1, 12, 0, 0) / 1000;
    const winter = Date.UTC(2016, 0, 1, 12, 0, 0) / 1000;

    it('prints UTC', () => {
      process.env.TZ = 'UTC';
      assert.equal(goTimeString(summer), '2016-06-01 12:00:00 +0000 UTC');
      assert.equal(goRfc3339(summer), '2016-06-01T12:00:00Z');
      assert.equal(goTimeString(GO_ZERO_TIME), '0001-01-01 00:00:00 +0000 UTC');
      assert.equal(goRfc3339(GO_ZERO_TIME), '0001-01-01T00:00:00Z');
    });

    it('prints the offset and abbreviation of the zone TZ names, summer and winter', () => {
      process.env.TZ = 'America/New_York';
      assert.equal(goTimeString(summer), '2016-06-01 08:00:00 -0400 EDT');
      assert.equal(goTimeString(winter), '2016-01-01 07:00:00 -0500 EST');
      assert.equal(goRfc3339(summer), '2016-06-01T08:00:00-04:00');
      process.env.TZ = 'Europe/Berlin';
      assert.equal(goTimeString(summer), '2016-06-01 14:00:00 +0200 CEST');
      assert.equal(goTimeString(winter), '2016-01-01 13:00:00 +0100 CET');
    });

    it('writes a numeric abbreviation where the zone has no letters, and a half-hour offset', () => {
      process.env.TZ = 'America/Sao_Paulo';
      assert.equal(goTimeString(summer), '2016-06-01 09:00:00 -0300 -03');
      process.env.TZ = 'Asia/Kathmandu';
      assert.equal(goRfc3339(summer), '2016-06-01T17:45:00+05:45');
      assert.equal(goTimeString(summer), '2016-06-01 17:45:00 +0545 +0545');
    });

    it('takes an empty or unknown TZ as UTC, as Go does', () => {
      process.env.TZ = '';
      assert.equal(goTimeString(summer), '2016-06-01 12:00:00 +0000 UTC');
      process.env.TZ = 'Nowhere/Bogus';
      assert.equal(goTimeString(summer), '2016-06-01 12:00:00 +0000 UTC');
    });
  });
});
