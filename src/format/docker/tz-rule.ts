/**
 * The POSIX TZ string a TZif file ends with ("IST-5:30", "CET-1CEST,M3.5.0,M10.5.0/3",
 * "<+04>-4"), as Go's time package reads it (zoneinfo.go, tzset): it gives the zone for instants
 * after the file's last transition. Go's leniencies and quirks are kept on purpose, so that the
 * name printed is the one docker's Go binary prints: offsets up to 168 hours, ';' before the
 * rules (read only after a DST offset: before it, ';' is part of the name), the US rules when a
 * DST name has none, the year and its day taken in UTC, and before 1970 a second of the year
 * counted a day short. Pure.
 */

/** The zone in effect at an instant: seconds east of UTC, and the abbreviation Go prints ("MST"). */
export interface ZoneAt {
  offset: number;
  abbreviation: string;
}

const HOUR = 3600;
const DAY = 86_400;

/** A transition rule: `Jn` (julian, no Feb 29), `n` (day of year from 0), or `Mm.w.d`; `time` in seconds of local time. */
type Rule =
  | { kind: 'julian'; day: number; time: number }
  | { kind: 'yearDay'; day: number; time: number }
  | { kind: 'monthWeekDay'; month: number; week: number; weekday: number; time: number };

/** What has been read so far and what is left of the string, or undefined where Go's parse fails. */
type Read<T> = { value: T; rest: string } | undefined;

/**
 * The zone `rule` gives at `unixSeconds`, or undefined when Go cannot parse the rule (Go then
 * keeps the zone of the last transition).
 */
export function ruleZoneAt(rule: string, unixSeconds: number): ZoneAt | undefined {
  const std = readName(rule);
  const stdOff = std && readOffset(std.rest);
  if (!std || !stdOff) return undefined;
  // The string counts offsets west of UTC (added to local time to get UTC): negated here.
  const standard: ZoneAt = { abbreviation: std.value, offset: negate(stdOff.value) };
  let s = stdOff.rest;
  if (s === '' || s[0] === ',') return standard;

  const dst = readName(s);
  if (!dst) return undefined;
  let daylight: ZoneAt = { abbreviation: dst.value, offset: standard.offset + HOUR };
  s = dst.rest;
  if (s !== '' && s[0] !== ',') {
    const dstOff = readOffset(s);
    if (!dstOff) return undefined;
    daylight = { abbreviation: dst.value, offset: negate(dstOff.value) };
    s = dstOff.rest;
  }
  // tzcode's default: the US rules.
  if (s === '') s = ',M3.2.0,M11.1.0';
  if (s[0] !== ',' && s[0] !== ';') return undefined;
  const start = readRule(s.slice(1));
  if (!start || start.rest[0] !== ',') return undefined;
  const end = readRule(start.rest.slice(1));
  if (!end || end.rest !== '') return undefined;

  const day = Math.floor(unixSeconds / DAY);
  const year = yearOfDay(day);
  // Go adds the second of the day with its truncating remainder, negative before 1970: kept.
  const secondOfYear = (day - firstDayOf(year)) * DAY + (unixSeconds % DAY);
  let startSecond = ruleSecond(year, start.value, standard.offset);
  let endSecond = ruleSecond(year, end.value, daylight.offset);
  let [before, during] = [standard, daylight];
  // Southern hemisphere: daylight time spans the new year, so the year's middle is standard time.
  if (endSecond < startSecond) {
    [startSecond, endSecond] = [endSecond, startSecond];
    [before, during] = [during, before];
  }
  return secondOfYear < startSecond || secondOfYear >= endSecond ? before : during;
}

/** A zone name: `<...>` quoted (anything, even empty), or at least 3 characters up to a digit, sign or comma. */
function readName(s: string): Read<string> {
  if (s === '') return undefined;
  if (s[0] === '<') {
    const close = s.indexOf('>');
    return close < 0 ? undefined : { value: s.slice(1, close), rest: s.slice(close + 1) };
  }
  const stop = s.search(/[0-9,+-]/);
  const end = stop < 0 ? s.length : stop;
  return end < 3 ? undefined : { value: s.slice(0, end), rest: s.slice(end) };
}

/** `[+-]hh[:mm[:ss]]` in seconds, hours up to 24*7 as tzcode allows. */
function readOffset(s: string): Read<number> {
  if (s === '') return undefined;
  const negative = s[0] === '-';
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  const hours = readNumber(s, 0, 24 * 7);
  if (!hours) return undefined;
  let seconds = hours.value * HOUR;
  s = hours.rest;
  if (s[0] === ':') {
    const minutes = readNumber(s.slice(1), 0, 59);
    if (!minutes) return undefined;
    seconds += minutes.value * 60;
    s = minutes.rest;
    if (s[0] === ':') {
      const secs = readNumber(s.slice(1), 0, 59);
      if (!secs) return undefined;
      seconds += secs.value;
      s = secs.rest;
    }
  }
  return { value: negative ? negate(seconds) : seconds, rest: s };
}

/** -n without JavaScript's -0, which Go's integers do not have. */
const negate = (n: number) => 0 - n;

/** A decimal number in [min, max]; too many digits fail as soon as the value passes max. */
function readNumber(s: string, min: number, max: number): Read<number> {
  let value = 0;
  let i = 0;
  for (; i < s.length && s[i]! >= '0' && s[i]! <= '9'; i++) {
    value = value * 10 + (s.charCodeAt(i) - 48);
    if (value > max) return undefined;
  }
  return i === 0 || value < min ? undefined : { value, rest: s.slice(i) };
}

/** `Jn`, `n` or `Mm.w.d`, then `/time` (an offset, so negative or past 24 hours too), 02:00 by default. */
function readRule(s: string): Read<Rule> {
  let rule: Rule;
  if (s[0] === 'J') {
    const day = readNumber(s.slice(1), 1, 365);
    if (!day) return undefined;
    rule = { kind: 'julian', day: day.value, time: 2 * HOUR };
    s = day.rest;
  } else if (s[0] === 'M') {
    const month = readNumber(s.slice(1), 1, 12);
    if (!month || month.rest[0] !== '.') return undefined;
    const week = readNumber(month.rest.slice(1), 1, 5);
    if (!week || week.rest[0] !== '.') return undefined;
    const weekday = readNumber(week.rest.slice(1), 0, 6);
    if (!weekday) return undefined;
    rule = { kind: 'monthWeekDay', month: month.value, week: week.value, weekday: weekday.value, time: 2 * HOUR };
    s = weekday.rest;
  } else {
    const day = readNumber(s, 0, 365);
    if (!day) return undefined;
    rule = { kind: 'yearDay', day: day.value, time: 2 * HOUR };
    s = day.rest;
  }
  if (s[0] !== '/') return { value: rule, rest: s };
  const time = readOffset(s.slice(1));
  if (!time) return undefined;
  rule.time = time.value;
  return { value: rule, rest: time.rest };
}

/** Days from 1970-01-01 to January 1 of `year` (proleptic Gregorian, any year). */
function firstDayOf(year: number): number {
  const y = year - 1;
  const leapDays = (n: number) => Math.floor(n / 4) - Math.floor(n / 100) + Math.floor(n / 400);
  return 365 * (year - 1970) + leapDays(y) - leapDays(1969);
}

/** The UTC year of the day `day` days after 1970-01-01. */
function yearOfDay(day: number): number {
  let year = 1970 + Math.floor(day / 365.2425);
  while (firstDayOf(year) > day) year--;
  while (firstDayOf(year + 1) <= day) year++;
  return year;
}

const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Days of the year before each month (January = index 0), not counting Feb 29. */
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/**
 * The weekday (0 = Sunday) of the first of `month` by Zeller's congruence, with truncating
 * division as Go computes it (which is off for years before 1 AD; Go's answer is the one wanted).
 */
function firstWeekdayOf(year: number, month: number): number {
  const m = ((month + 9) % 12) + 1;
  const y = month <= 2 ? year - 1 : year;
  const century = Math.trunc(y / 100);
  const yearOfCentury = y % 100;
  const weekday =
    (Math.trunc((26 * m - 2) / 10) + 1 + yearOfCentury + Math.trunc(yearOfCentury / 4) + Math.trunc(century / 4) - 2 * century) % 7;
  return weekday < 0 ? weekday + 7 : weekday;
}

/** Seconds from the start of `year` (UTC) to the instant the rule names, in a zone `offset` east of UTC. */
function ruleSecond(year: number, rule: Rule, offset: number): number {
  let day: number;
  if (rule.kind === 'julian') {
    day = rule.day - 1 + (isLeap(year) && rule.day >= 60 ? 1 : 0);
  } else if (rule.kind === 'yearDay') {
    day = rule.day;
  } else {
    const leapDay = isLeap(year) && rule.month > 2 ? 1 : 0;
    const firstWeekday = firstWeekdayOf(year, rule.month);
    let dayOfMonth = (rule.weekday - firstWeekday + 7) % 7;
    const monthLength = DAYS_BEFORE[rule.month]! - DAYS_BEFORE[rule.month - 1]! + (rule.month === 2 && isLeap(year) ? 1 : 0);
    // Week 5 means the last such weekday of the month.
    for (let w = 1; w < rule.week && dayOfMonth + 7 < monthLength; w++) dayOfMonth += 7;
    day = DAYS_BEFORE[rule.month - 1]! + leapDay + dayOfMonth;
  }
  return day * DAY + rule.time - offset;
}
