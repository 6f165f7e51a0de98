// Cron schedules: parsing with precise errors, and the next run in local time (DST in a child under TZ=Europe/Berlin).

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type CronSchedule, nextRun, parseCron } from "../../src/common/cron.ts";

function parse(text: string): CronSchedule {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

/** "2025-01-15 10:30" or "2025-01-15 10:30:59", in local time. */
function local(text: string): Date {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)(?::(\d\d))?$/.exec(text);
  if (!m) throw new Error(`bad test time ${text}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s);
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const pad = (n: number) => String(n).padStart(2, "0");

/** "2025-01-15 Wed 10:30" in local time; seconds and ms shown only if not zero (never, for a run). */
function show(date: Date | null): string | null {
  if (date === null) return null;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const rest = date.getSeconds() || date.getMilliseconds() ? `:${pad(date.getSeconds())}.${date.getMilliseconds()}` : "";
  return `${day} ${WEEKDAYS[date.getDay()]} ${pad(date.getHours())}:${pad(date.getMinutes())}${rest}`;
}

describe("parseCron errors", () => {
  const FIELDS = "expected 5 fields (minute hour day-of-month month day-of-week)";
  const cases: Array<[string, string]> = [
    ["61 * * * *", 'minute field "61" is out of range 0-59'],
    ["* 24 * * *", 'hour field "24" is out of range 0-23'],
    ["* * 0 * *", 'day-of-month field "0" is out of range 1-31'],
    ["* * 32 * *", 'day-of-month field "32" is out of range 1-31'],
    ["* * * 0 *", 'month field "0" is out of range 1-12'],
    ["* * * 13 *", 'month field "13" is out of range 1-12'],
    ["* * * * 8", 'day-of-week field "8" is out of range 0-7'],
    ["50-70 * * * *", 'minute field "50-70": 70 is out of range 0-59'],
    ["0,15,99 * * * *", 'minute field "99" is out of range 0-59'],
    ["*/0 * * * *", 'minute field "*/0": step must be at least 1'],
    ["0 1-5/0 * * *", 'hour field "1-5/0": step must be at least 1'],
    ["*/x * * * *", 'minute field "*/x": step "x" is not a number'],
    ["*/-1 * * * *", 'minute field "*/-1": step "-1" is not a number'],
    ["*/5/2 * * * *", 'minute field "*/5/2" has more than one step'],
    ["* 5-1 * * *", 'hour field "5-1" is a reversed range (5 > 1)'],
    ["* * * * FRI-MON", 'day-of-week field "FRI-MON" is a reversed range (5 > 1)'],
    ["1-2-3 * * * *", 'minute field "1-2-3" is not a valid range'],
    ["-5 * * * *", 'minute field "-5" is not a valid range'],
    ["5- * * * *", 'minute field "5-" is not a valid range'],
    ["1,,2 * * * *", 'minute field "1,,2" has an empty list item'],
    ["abc * * * *", 'minute field "abc" is not a number'],
    ["1.5 * * * *", 'minute field "1.5" is not a number'],
    ["* * MON * *", 'day-of-month field "MON" is not a number'],
    ["* * * FOO *", 'month field "FOO" is not a number or month name (JAN-DEC)'],
    ["* * * JAN-FOO *", 'month field "JAN-FOO": FOO is not a number or month name (JAN-DEC)'],
    ["* * * * MONDAY", 'day-of-week field "MONDAY" is not a number or weekday name (SUN-SAT)'],
    ["* * * * JAN", 'day-of-week field "JAN" is not a number or weekday name (SUN-SAT)'],
    ["", `${FIELDS}, got 0`],
    ["   ", `${FIELDS}, got 0`],
    ["* * * *", `${FIELDS}, got 4`],
    ["* * * * * *", `${FIELDS}, got 6`],
    ["every five minutes", `${FIELDS}, got 3`],
    ["@reboot", 'unknown macro "@reboot" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)'],
    ["@daily 5", 'unknown macro "@daily 5" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)'],
  ];
  test.each(cases)("%p → %s", (text, error) => {
    expect(parseCron(text)).toEqual({ ok: false, error });
  });
});

describe("parseCron values", () => {
  const cases: Array<[string, Partial<CronSchedule>]> = [
    ["* * * * *", { minutes: range(0, 59), hours: range(0, 23), daysOfMonth: range(1, 31), months: range(1, 12), daysOfWeek: range(0, 6) }],
    ["*/15 * * * *", { minutes: [0, 15, 30, 45] }],
    ["5/20 * * * *", { minutes: [5, 25, 45] }],
    ["10-20/5 * * * *", { minutes: [10, 15, 20] }],
    ["3,1,2,1 * * * *", { minutes: [1, 2, 3] }],
    ["*/90 * * * *", { minutes: [0] }],
    ["0 9-17/4 * * *", { hours: [9, 13, 17] }],
    ["0 0 1,15 * *", { daysOfMonth: [1, 15], domStar: false, dowStar: true }],
    ["0 0 * jan,Mar,DEC *", { months: [1, 3, 12] }],
    ["0 0 * JAN-DEC/3 *", { months: [1, 4, 7, 10] }],
    ["0 0 * * mon-FRI", { daysOfWeek: [1, 2, 3, 4, 5], domStar: true, dowStar: false }],
    ["0 0 * * 7", { daysOfWeek: [0] }],
    ["0 0 * * 0,7", { daysOfWeek: [0] }],
    ["0 0 * * 5-7", { daysOfWeek: [0, 5, 6] }],
    ["0 0 * * 0-7", { daysOfWeek: range(0, 6) }],
    ["0 0 * * */2", { daysOfWeek: [0, 2, 4, 6] }],
    ["0 0 * * 1/2", { daysOfWeek: [1, 3, 5] }],
    ["0 0 */2 * MON", { daysOfMonth: range(1, 31).filter((d) => d % 2 === 1), domStar: true, dowStar: false }],
    ["  0\t0   * * *  ", { source: "0\t0   * * *", minutes: [0], hours: [0] }],
    ["@HOURLY", { source: "@HOURLY", minutes: [0], hours: range(0, 23) }],
  ];
  test.each(cases)("%p", (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  const macros: Array<[string, string]> = [
    ["@yearly", "0 0 1 1 *"],
    ["@annually", "0 0 1 1 *"],
    ["@monthly", "0 0 1 * *"],
    ["@weekly", "0 0 * * 0"],
    ["@daily", "0 0 * * *"],
    ["@midnight", "0 0 * * *"],
    ["@hourly", "0 * * * *"],
  ];
  test.each(macros)("%p is %p", (macro, fields) => {
    expect({ ...parse(macro), source: "" }).toEqual({ ...parse(fields), source: "" });
  });
});

describe("nextRun", () => {
  const cases: Array<[string, string, string | null]> = [
    // minute boundaries: strictly after, even exactly on a match
    ["*/5 * * * *", "2025-01-15 10:03", "2025-01-15 Wed 10:05"],
    ["*/5 * * * *", "2025-01-15 10:05", "2025-01-15 Wed 10:10"],
    ["*/5 * * * *", "2025-01-15 10:04:59", "2025-01-15 Wed 10:05"],
    ["*/5 * * * *", "2025-01-15 23:58", "2025-01-16 Thu 00:00"],
    ["* * * * *", "2025-01-15 10:00", "2025-01-15 Wed 10:01"],
    ["* * * * *", "2025-01-15 10:00:30", "2025-01-15 Wed 10:01"],
    ["0 * * * *", "2025-01-15 10:00", "2025-01-15 Wed 11:00"],
    // hours, ranges, lists
    ["30 9-17 * * *", "2025-01-15 08:00", "2025-01-15 Wed 09:30"],
    ["30 9-17 * * *", "2025-01-15 12:31", "2025-01-15 Wed 13:30"],
    ["30 9-17 * * *", "2025-01-15 17:30", "2025-01-16 Thu 09:30"],
    ["15,45 8,20 * * *", "2025-01-15 08:45", "2025-01-15 Wed 20:15"],
    ["0 */6 * * *", "2025-01-15 18:00", "2025-01-16 Thu 00:00"],
    // months and month ends
    ["0 0 * JUN,aug *", "2025-07-01 00:00", "2025-08-01 Fri 00:00"],
    ["0 0 * JUN,aug *", "2025-08-31 23:59", "2026-06-01 Mon 00:00"],
    ["0 12 31 * *", "2025-01-31 12:00", "2025-03-31 Mon 12:00"],
    ["0 0 31 * *", "2025-04-01 00:00", "2025-05-31 Sat 00:00"],
    ["59 23 31 12 *", "2025-12-31 23:59", "2026-12-31 Thu 23:59"],
    ["0 0 1 1 *", "2025-12-31 23:59:59", "2026-01-01 Thu 00:00"],
    // leap years
    ["0 0 29 2 *", "2025-01-01 00:00", "2028-02-29 Tue 00:00"],
    ["0 0 29 2 *", "2024-02-29 00:00", "2028-02-29 Tue 00:00"],
    ["0 0 29 2 *", "2096-03-01 00:00", "2104-02-29 Fri 00:00"], // 2100 is not a leap year
    // day of week; 7 and 0 are Sunday
    ["0 0 * * 7", "2025-01-15 00:00", "2025-01-19 Sun 00:00"],
    ["0 0 * * 0", "2025-01-15 00:00", "2025-01-19 Sun 00:00"],
    ["0 0 * * SUN", "2025-01-19 00:00", "2025-01-26 Sun 00:00"],
    ["0 0 * * MON-FRI", "2025-01-17 12:00", "2025-01-20 Mon 00:00"],
    // both day fields restricted: either matches (Friday, or the 13th)
    ["0 0 13 * FRI", "2025-01-01 00:00", "2025-01-03 Fri 00:00"],
    ["0 0 13 * FRI", "2025-01-11 00:00", "2025-01-13 Mon 00:00"],
    // a day field written with `*` is unrestricted: both must match (odd days that are Mondays)
    ["0 0 */2 * MON", "2025-01-01 00:00", "2025-01-13 Mon 00:00"],
    ["0 0 */2 * MON", "2025-01-13 00:00", "2025-01-27 Mon 00:00"],
    // the longest wait there is: January 1st on a Monday, 12 years across 2100
    ["0 0 */31 1 MON", "2091-01-02 00:00", "2103-01-01 Mon 00:00"],
    // macros
    ["@hourly", "2025-01-15 23:30", "2025-01-16 Thu 00:00"],
    ["@daily", "2025-12-31 12:00", "2026-01-01 Thu 00:00"],
    ["@midnight", "2025-01-15 00:00", "2025-01-16 Thu 00:00"],
    ["@weekly", "2025-01-15 10:00", "2025-01-19 Sun 00:00"],
    ["@monthly", "2025-01-31 23:59", "2025-02-01 Sat 00:00"],
    ["@yearly", "2025-06-01 00:00", "2026-01-01 Thu 00:00"],
    ["@annually", "2025-01-01 00:00", "2026-01-01 Thu 00:00"],
    // never
    ["0 0 31 4 *", "2025-01-01 00:00", null],
    ["0 0 30 2 *", "2025-01-01 00:00", null],
    ["0 0 31 2,4,6,9,11 *", "2025-01-01 00:00", null],
  ];
  test.each(cases)("%p after %p → %p", (text, after, expected) => {
    expect(show(nextRun(parse(text), local(after)))).toBe(expected);
  });

  test("an impossible schedule gives up quickly (field jumps, a bounded search)", () => {
    const started = performance.now();
    for (const text of ["0 0 30 2 *", "* * 31 11 *", "0 0 31 2 MON"]) {
      // 0 0 31 2 MON is not impossible: both day fields restricted, so any Monday in February.
      const run = nextRun(parse(text), local("2025-01-01 00:00"));
      expect(run === null).toBe(text !== "0 0 31 2 MON");
    }
    expect(performance.now() - started).toBeLessThan(250);
  });

  test("an invalid date is a programming error", () => {
    expect(() => nextRun(parse("* * * * *"), new Date(Number.NaN))).toThrow(RangeError);
  });

  // A minute-by-minute reference, independent of the field jumps, over successive runs.
  const chains = ["*/7 * * * *", "0 */3 * * *", "15 10 * * 1-5", "0 0 1,15 * *", "30 4 1 * 0", "0 0 */2 * SAT", "5-10/2 22-23 * * *", "0 12 * FEB-APR *"];
  test.each(chains)("%p agrees with a minute-by-minute scan for 5 runs", (text) => {
    const schedule = parse(text);
    let fast = local("2025-01-15 10:07:30");
    let slow = fast;
    for (let i = 0; i < 5; i++) {
      fast = nextRun(schedule, fast) ?? fail(text);
      slow = scan(schedule, slow);
      expect(show(fast)).toBe(show(slow));
    }
  });
});

describe("nextRun across daylight saving (TZ=Europe/Berlin, in a child process)", () => {
  // Berlin 2025: clocks go 02:00 CET → 03:00 CEST on Mar 30 (01:00Z),
  // and 03:00 CEST → 02:00 CET on Oct 26 (01:00Z). Times are UTC.
  const cases: Array<[string, string, string | null, string]> = [
    ["0 9 * * *", "2025-07-01T00:00:00Z", "2025-07-01T07:00:00.000Z", "local time: 09:00 CEST"],
    ["0 9 * * *", "2025-01-10T00:00:00Z", "2025-01-10T08:00:00.000Z", "local time: 09:00 CET"],
    ["30 2 * * *", "2025-03-29T12:00:00Z", "2025-03-31T00:30:00.000Z", "02:30 does not exist on Mar 30: skipped"],
    ["*/5 * * * *", "2025-03-30T00:57:00Z", "2025-03-30T01:00:00.000Z", "01:55 CET, then 03:00 CEST"],
    ["0 * * * *", "2025-03-30T00:30:00Z", "2025-03-30T01:00:00.000Z", "01:00 CET, then 03:00 CEST"],
    ["0 3 * * *", "2025-03-29T12:00:00Z", "2025-03-30T01:00:00.000Z", "03:00 CEST exists"],
    ["30 2 * * *", "2025-10-25T12:00:00Z", "2025-10-26T00:30:00.000Z", "repeated 02:30: its first occurrence (CEST)"],
    ["30 2 * * *", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00.000Z", "…and not again at 02:30 CET"],
    ["30 2 * * *", "2025-10-26T01:10:00Z", "2025-10-27T01:30:00.000Z", "from inside the repeated pass: already fired"],
    ["0 2 * * *", "2025-10-25T23:59:00Z", "2025-10-26T00:00:00.000Z", "02:00 CEST, the first one"],
    ["*/5 * * * *", "2025-10-26T00:55:00Z", "2025-10-26T02:00:00.000Z", "02:55 CEST, then 03:00 CET: the repeated pass is quiet"],
    ["*/5 * * * *", "2025-10-26T01:10:00Z", "2025-10-26T02:00:00.000Z", "from inside the repeated pass: next is 03:00 CET"],
    ["0 3 * * *", "2025-10-26T00:30:00Z", "2025-10-26T02:00:00.000Z", "03:00 CET"],
  ];

  const child = Bun.spawnSync(
    [process.execPath, join(import.meta.dir, "../fixtures/cron-dst-fixture.ts"), JSON.stringify(cases.map(([text, after]) => [text, after]))],
    { env: { ...process.env, TZ: "Europe/Berlin" } },
  );
  const out = child.exitCode === 0 ? (JSON.parse(child.stdout.toString()) as { zone: string; runs: Array<string | null> }) : null;

  test("the child ran in Europe/Berlin", () => {
    expect(child.stderr.toString()).toBe("");
    expect(out?.zone).toBe("Europe/Berlin");
  });

  test.each(cases.map((c, i) => [...c, i] as const))("%p after %p → %p (%s)", (_text, _after, expected, _why, i) => {
    expect(out?.runs[i]).toBe(expected);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function fail(text: string): never {
  throw new Error(`no run for ${text}`);
}

/** The reference: try every minute (up to 60 days) with local getters and the vixie day rule. */
function scan(s: CronSchedule, after: Date): Date {
  let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (let n = 0; n < 60 * 24 * 60; n++, t += 60_000) {
    const at = new Date(t);
    const dom = s.daysOfMonth.includes(at.getDate());
    const dow = s.daysOfWeek.includes(at.getDay());
    const day = s.domStar || s.dowStar ? dom && dow : dom || dow;
    if (day && s.months.includes(at.getMonth() + 1) && s.hours.includes(at.getHours()) && s.minutes.includes(at.getMinutes())) {
      return at;
    }
  }
  throw new Error(`scan found nothing for ${s.source}`);
}
