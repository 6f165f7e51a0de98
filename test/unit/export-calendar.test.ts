// Cron schedules carried to other engines: systemd OnCalendar= (checked against systemd-analyze's
// own calendar, when it is installed) and the normalized cron text for Kubernetes and Nomad
// (checked against our parser): each must fire exactly when serve would.

import { describe, expect, test } from "bun:test";
import { type CronSchedule, nextRun, parseCron } from "../../src/common/cron.ts";
import { cronTexts, intervalCron } from "../../src/export/cron-text.ts";
import { onCalendar } from "../../src/export/systemd-calendar.ts";

// Both sides in UTC: no daylight saving to disagree about.
process.env.TZ = "UTC";

const EXPRESSIONS = [
  "*/5 * * * *",
  "0 9-17 * * MON-FRI",
  "30 2 1,15 * MON-FRI",
  "0 0 */2 * MON",
  "0 0 1-31 * SUN",
  "0 0 * * 7",
  "0 12 * * 0,6",
  "5/20 * * * *",
  "10-40/10 1,3,5 * JAN-MAR,DEC *",
  "59 23 31 12 *",
  "0 0 */3 * *",
  "0 */6 1 * *",
  "15 4 29 2 *",
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
];

const BASE = new Date(Date.UTC(2026, 0, 1, 0, 0, 30));
const RUNS = 12;

function parse(text: string): CronSchedule {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

/** The next `n` runs after `from` of the union of schedules, as ISO strings. */
function runs(schedules: CronSchedule[], n: number, from = BASE): string[] {
  const out: string[] = [];
  let at = from;
  while (out.length < n) {
    const next = schedules.map((s) => nextRun(s, at)).filter((d): d is Date => d !== null);
    if (next.length === 0) break;
    at = new Date(Math.min(...next.map((d) => d.getTime())));
    out.push(at.toISOString());
  }
  return out;
}

const analyze = Bun.which("systemd-analyze");

/** systemd-analyze calendar's next `n` elapses of each expression, merged. */
function systemdRuns(expressions: string[], n: number): string[] {
  const all = new Set<string>();
  for (const expression of expressions) {
    const proc = Bun.spawnSync([analyze as string, "calendar", `--iterations=${n}`, "--base-time=2026-01-01 00:00:30 UTC", expression], {
      env: { ...process.env, TZ: "UTC" },
    });
    const text = proc.stdout.toString();
    if (proc.exitCode !== 0) throw new Error(`systemd-analyze calendar '${expression}': ${proc.stderr.toString()}`);
    for (const m of text.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g))
      all.add(new Date(`${m[1]?.replace(" ", "T")}Z`).toISOString());
  }
  return [...all].sort().slice(0, n);
}

describe("OnCalendar= from cron", () => {
  test("the process runs in UTC", () => {
    expect(new Date(0).getTimezoneOffset()).toBe(0);
  });

  test("shapes: ranges, steps, weekday names, and either-day as two expressions", () => {
    expect(onCalendar(parse("*/5 * * * *"))).toEqual(["*-*-* *:00/5:00"]);
    expect(onCalendar(parse("0 9-17 * * MON-FRI"))).toEqual(["Mon..Fri *-*-* 09..17:00:00"]);
    expect(onCalendar(parse("30 2 1,15 * MON-FRI"))).toEqual(["Mon..Fri *-*-* 02:30:00", "*-*-01,15 02:30:00"]);
    expect(onCalendar(parse("0 0 * * 7"))).toEqual(["Sun *-*-* 00:00:00"]);
    expect(onCalendar(parse("0 12 * * 0,6"))).toEqual(["Sat..Sun *-*-* 12:00:00"]);
    expect(onCalendar(parse("@yearly"))).toEqual(["*-01-01 00:00:00"]);
  });

  if (!analyze) {
    test.skip("matches systemd-analyze calendar (skipped: systemd-analyze is not installed; apt-get install systemd)", () => {});
    return;
  }
  for (const expression of EXPRESSIONS) {
    test(`${expression} fires when systemd says it does`, () => {
      const schedule = parse(expression);
      expect(systemdRuns(onCalendar(schedule), RUNS)).toEqual(runs([schedule], RUNS));
    });
  }
});

describe("cron text for Kubernetes and Nomad", () => {
  for (const expression of EXPRESSIONS) {
    test(`${expression}: plain fields only, same runs`, () => {
      const schedule = parse(expression);
      for (const split of [true, false]) {
        const { texts, dayRuleDiffers } = cronTexts(schedule, split);
        expect(dayRuleDiffers).toBe(expression === "0 0 */2 * MON");
        for (const text of texts) expect(text).toMatch(/^[0-9*/,-]+( [0-9*/,-]+){4}$/);
        expect(runs(texts.map(parse), RUNS)).toEqual(runs([schedule], RUNS));
      }
    });
  }

  test("both days restricted: two expressions, or one for robfig/cron", () => {
    expect(cronTexts(parse("30 2 1,15 * MON-FRI")).texts).toEqual(["30 2 1,15 * *", "30 2 * * 1-5"]);
    expect(cronTexts(parse("30 2 1,15 * MON-FRI"), false).texts).toEqual(["30 2 1,15 * 1-5"]);
    expect(cronTexts(parse("0 0 1-31 * SUN"), false).texts).toEqual(["0 0 1-31 * 0"]);
  });

  test("intervals that fit cron's slots", () => {
    expect([60, 300, 900, 3600, 7200, 86400].map(intervalCron)).toEqual(["* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "0 */2 * * *", "0 0 * * *"]);
    expect([10, 7.5, 420, 5400, 172800].map(intervalCron)).toEqual([null, null, null, null, null]);
  });
});
