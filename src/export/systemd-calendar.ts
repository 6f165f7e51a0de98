// A cron schedule as systemd OnCalendar= expressions (systemd.time(7)): `DOW *-MM-DD hh:mm:00`,
// built from the parsed value sets. systemd requires both day fields when both are given; vixie
// cron (and serve) takes either when both are restricted, so that case becomes two expressions,
// which a timer ORs. Both run in local time.

import type { CronSchedule } from "../common/cron.ts";
import { progression, runs } from "./cron-text.ts";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

const pad = (n: number) => String(n).padStart(2, "0");

/** One date/time component: `*`, `a/n` (a, a+n, … to the field's end), or a list of values and `a..b` ranges. */
export function component(values: readonly number[], min: number, max: number): string {
  if (values.length === max - min + 1) return "*";
  const step = progression(values);
  const first = values[0] as number;
  const last = values.at(-1) as number;
  if (step !== null && step > 1 && values.length > 2 && last + step > max) return `${pad(first)}/${step}`;
  return runs(values, (a, b) => `${pad(a)}..${pad(b)}`, 2)
    .map((part) => (part.includes("..") ? part : pad(Number(part))))
    .join(",");
}

/** Weekdays in systemd's order (Mon … Sun), ranges as `Mon..Fri`; empty when every day. */
export function weekdays(values: readonly number[]): string {
  if (values.length === 7) return "";
  // Monday first: 1..6, then Sunday as 7.
  const ordered = values.map((d) => (d === 0 ? 7 : d)).sort((a, b) => a - b);
  return runs(ordered, (a, b) => `${WEEKDAYS[a % 7]}..${WEEKDAYS[b % 7]}`, 2)
    .map((part) => (part.includes("..") ? part : (WEEKDAYS[Number(part) % 7] as string)))
    .join(",");
}

/** The OnCalendar= values (one or two) that fire exactly when the cron schedule does. */
export function onCalendar(s: CronSchedule): string[] {
  const time = `${component(s.hours, 0, 23)}:${component(s.minutes, 0, 59)}:00`;
  const month = component(s.months, 1, 12);
  const day = component(s.daysOfMonth, 1, 31);
  const dow = weekdays(s.daysOfWeek);
  const line = (days: string, date: string) => `${days ? `${days} ` : ""}*-${month}-${date} ${time}`;
  if (!s.domStar && !s.dowStar) {
    // Either day: one expression per day field (a full field matches every day on its own).
    if (dow === "" || day === "*") return [line("", "*")];
    return [line(dow, "*"), line("", day)];
  }
  return [line(dow, day)];
}
