// Cron schedules rewritten for other engines' cron parsers (Kubernetes' robfig/cron, Nomad's
// cronexpr): plain numbers, ranges and steps only — no names, no weekday 7, no @macros — built
// from the parsed value sets, so what serve would run is what the text says.

import type { CronSchedule } from "../common/cron.ts";

interface Field {
  values: readonly number[];
  min: number;
  max: number;
  /** Written with a leading `*` (day fields: unrestricted for vixie cron's day rule). */
  star: boolean;
}

/** One field's values as cron text; a `*` field stays `*` or a `*` step, any other never starts with `*`. */
export function fieldText({ values, min, max, star }: Field): string {
  const full = values.length === max - min + 1;
  if (star) {
    if (full) return "*";
    const step = (values[1] ?? min) - min;
    return `*/${step}`;
  }
  const step = progression(values);
  if (step !== null && step > 1 && values.length > 2) return `${values[0]}-${values.at(-1)}/${step}`;
  return runs(values, (a, b) => `${a}-${b}`).join(",");
}

/** The common step of values in arithmetic progression, else null. */
export function progression(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const step = (values[1] as number) - (values[0] as number);
  return values.every((v, i) => i === 0 || v - (values[i - 1] as number) === step) ? step : null;
}

/** Consecutive values as ranges (3 or more) or single values, in order. */
export function runs(values: readonly number[], range: (a: number, b: number) => string, minRun = 3): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    if (j - i + 1 >= minRun) parts.push(range(values[i] as number, values[j] as number));
    else for (let k = i; k <= j; k++) parts.push(String(values[k]));
    i = j + 1;
  }
  return parts;
}

export interface CronTexts {
  /** One expression, or two whose union is the schedule (vixie's either-day rule). */
  texts: string[];
  /**
   * True when a `*`-step day field meets a restricted other day field: vixie cron requires both
   * days there, while robfig/cron and cronexpr read a `*` step field as restricted and take either.
   */
  dayRuleDiffers: boolean;
}

/** Values that `*` or a `*` step gives: from the field's first value, every n, to its end. */
function starLike(values: readonly number[], min: number, max: number): boolean {
  const step = progression(values);
  return values[0] === min && step !== null && (values.at(-1) as number) + step > max;
}

/**
 * The schedule as 5-field cron text(s). `split`: write vixie's either-day rule as two expressions
 * (for parsers whose day rule is unknown); without it both days go in one, as robfig/cron reads it.
 */
export function cronTexts(s: CronSchedule, split = true): CronTexts {
  const plain = (values: readonly number[], min: number, max: number) => fieldText({ values, min, max, star: starLike(values, min, max) });
  const minute = plain(s.minutes, 0, 59);
  const hour = plain(s.hours, 0, 23);
  const month = plain(s.months, 1, 12);
  const dom = fieldText({ values: s.daysOfMonth, min: 1, max: 31, star: s.domStar });
  const dow = fieldText({ values: s.daysOfWeek, min: 0, max: 6, star: s.dowStar });
  const head = `${minute} ${hour}`;
  // Both days restricted: either may match. Two expressions, each with one day field, say so
  // to any parser, whatever its own day rule.
  if (!s.domStar && !s.dowStar && split) return { texts: [`${head} ${dom} ${month} *`, `${head} * ${month} ${dow}`], dayRuleDiffers: false };
  if (!s.domStar && !s.dowStar) return { texts: [`${head} ${dom} ${month} ${dow}`], dayRuleDiffers: false };
  const stepped = (star: boolean, text: string) => star && text !== "*";
  const dayRuleDiffers = (stepped(s.domStar, dom) && dow !== "*") || (stepped(s.dowStar, dow) && dom !== "*");
  return { texts: [`${head} ${dom} ${month} ${dow}`], dayRuleDiffers };
}

/**
 * An interval in seconds as cron, when cron's slots can hold it: whole minutes dividing an hour,
 * whole hours dividing a day, or one day. Cron fires on the clock (every 5 min from :00), not
 * N seconds after the previous run: an approximation either way.
 */
export function intervalCron(seconds: number): string | null {
  if (!Number.isInteger(seconds) || seconds < 60 || seconds % 60 !== 0) return null;
  const minutes = seconds / 60;
  if (minutes < 60) return 60 % minutes === 0 ? (minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`) : null;
  if (minutes % 60 !== 0) return null;
  const hours = minutes / 60;
  if (hours < 24) return 24 % hours === 0 ? (hours === 1 ? "0 * * * *" : `0 */${hours} * * *`) : null;
  return hours === 24 ? "0 0 * * *" : null;
}
