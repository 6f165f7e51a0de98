// Standard 5-field cron schedules: parsing, and the next run in the process's local time zone.

export interface CronSchedule {
  /** The text as written (trimmed), for messages. */
  readonly source: string;
  /** Allowed values of each field, ascending. */
  readonly minutes: readonly number[]; // 0-59
  readonly hours: readonly number[]; // 0-23
  readonly daysOfMonth: readonly number[]; // 1-31
  readonly months: readonly number[]; // 1-12
  readonly daysOfWeek: readonly number[]; // 0-6, 0 = Sunday
  /** Day-of-month / day-of-week written with a leading `*` (unrestricted, for the vixie day rule). */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

type FieldName = "minute" | "hour" | "day-of-month" | "month" | "day-of-week";

interface FieldSpec {
  name: FieldName;
  min: number;
  /** Highest value accepted when written out (7 for day-of-week: Sunday again). */
  max: number;
  /** Where `*` and `a/n` stop (6 for day-of-week, so Sunday is not listed twice). */
  top: number;
  names?: { list: readonly string[]; first: number; kind: string };
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59, top: 59 },
  { name: "hour", min: 0, max: 23, top: 23 },
  { name: "day-of-month", min: 1, max: 31, top: 31 },
  { name: "month", min: 1, max: 12, top: 12, names: { list: MONTH_NAMES, first: 1, kind: "month name (JAN-DEC)" } },
  { name: "day-of-week", min: 0, max: 7, top: 6, names: { list: DAY_NAMES, first: 0, kind: "weekday name (SUN-SAT)" } },
];

const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MACRO_LIST = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly";

/**
 * How far ahead nextRun looks before calling a schedule impossible. The longest real waits:
 * Feb 29 is 8 years away after 2096, and a day 1 (which every `*` day-of-month includes) on
 * a given weekday up to 12 across 2100. 28 years is a whole calendar cycle: ample, and cheap.
 */
const SEARCH_YEARS = 28;

class FieldError extends Error {}

export function parseCron(text: string): CronParse {
  const source = text.trim();
  let expanded = source;
  if (source.startsWith("@")) {
    const macro = MACROS[source.toLowerCase()];
    if (macro === undefined) {
      return { ok: false, error: `unknown macro "${source}" (expected ${MACRO_LIST})` };
    }
    expanded = macro;
  }
  const parts = expanded === "" ? [] : expanded.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return { ok: false, error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` };
  }
  try {
    const [minutes, hours, daysOfMonth, months, daysOfWeek] = FIELDS.map((spec, i) => parseField(spec, parts[i] ?? ""));
    return {
      ok: true,
      schedule: {
        source,
        minutes: minutes ?? [],
        hours: hours ?? [],
        daysOfMonth: daysOfMonth ?? [],
        months: months ?? [],
        daysOfWeek: daysOfWeek ?? [],
        domStar: parts[2]?.startsWith("*") ?? false,
        dowStar: parts[4]?.startsWith("*") ?? false,
      },
    };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, error: error.message };
    throw error;
  }
}

function parseField(spec: FieldSpec, text: string): number[] {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw new FieldError(`${spec.name} field "${text}" has an empty list item`);
    const fail = (why: string) => new FieldError(`${spec.name} field "${item}"${why}`);
    const [base = "", stepText, extra] = item.split("/");
    if (extra !== undefined) throw fail(" has more than one step");
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw fail(`: step "${stepText}" is not a number`);
      step = Number(stepText);
      if (step === 0) throw fail(": step must be at least 1");
    }
    let lo = spec.min;
    let hi = spec.top;
    if (base !== "*") {
      const ends = base.split("-");
      if (ends.length > 2 || ends.includes("")) throw fail(" is not a valid range");
      lo = fieldValue(spec, item, ends[0] ?? "");
      hi = ends[1] !== undefined ? fieldValue(spec, item, ends[1]) : stepText !== undefined ? spec.top : lo;
      if (lo > hi) throw fail(` is a reversed range (${lo} > ${hi})`);
    }
    // Day-of-week 7 is Sunday, like 0.
    for (let v = lo; v <= hi; v += step) values.add(spec.name === "day-of-week" ? v % 7 : v);
  }
  return [...values].sort((a, b) => a - b);
}

function fieldValue(spec: FieldSpec, item: string, text: string): number {
  const where = text === item ? `"${item}"` : `"${item}": ${text}`;
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      throw new FieldError(`${spec.name} field ${where} is out of range ${spec.min}-${spec.max}`);
    }
    return value;
  }
  const index = spec.names?.list.indexOf(text.toUpperCase()) ?? -1;
  if (spec.names && index >= 0) return index + spec.names.first;
  const expected = spec.names ? `a number or ${spec.names.kind}` : "a number";
  throw new FieldError(`${spec.name} field ${where} is not ${expected}`);
}

/**
 * The first minute boundary strictly after `after` that the schedule matches, in the process's
 * local time zone; null if none within SEARCH_YEARS (e.g. `0 0 30 2 *`).
 *
 * Daylight saving: the search walks local wall-clock times. A wall time that does not exist
 * (spring forward) is skipped, not moved. A wall time that happens twice (fall back) fires
 * once, at its first occurrence; the repeated pass fires nothing, so an every-5-minutes
 * schedule waits 65 minutes there. Whoever needs real-time spacing uses execution_interval.
 */
export function nextRun(schedule: CronSchedule, after: Date): Date | null {
  const from = after.getTime();
  if (Number.isNaN(from)) throw new RangeError("nextRun: invalid date");
  let y = after.getFullYear();
  let mo = after.getMonth() + 1;
  let d = after.getDate();
  let h = after.getHours();
  let mi = after.getMinutes() + 1;
  const lastYear = y + SEARCH_YEARS;
  // Jump field by field, coarsest first; each step moves forward or carries into the next field.
  while (y <= lastYear) {
    if (mi > 59) [mi, h] = [0, h + 1];
    if (h > 23) [h, d] = [0, d + 1];
    if (d > daysInMonth(y, mo)) [d, mo] = [1, mo + 1];
    if (mo > 12) {
      [mo, y] = [1, y + 1];
      continue;
    }
    const month = atOrAfter(schedule.months, mo);
    if (month !== mo) {
      [mo, d, h, mi] = [month ?? 13, 1, 0, 0];
      continue;
    }
    if (!dayMatches(schedule, y, mo, d)) {
      [d, h, mi] = [d + 1, 0, 0];
      continue;
    }
    const hour = atOrAfter(schedule.hours, h);
    if (hour !== h) {
      [h, mi] = [hour ?? 24, 0];
      continue;
    }
    const minute = atOrAfter(schedule.minutes, mi);
    if (minute !== mi) {
      mi = minute ?? 60;
      continue;
    }
    const at = new Date(y, mo - 1, d, h, mi);
    // A gap time comes back shifted (fields differ); a repeated time comes back as its first
    // occurrence (ECMAScript picks the earlier), which is not after `from` once it has passed.
    if (at.getTime() > from && showsWallTime(at, y, mo, d, h, mi)) return at;
    mi++;
  }
  return null;
}

/** Vixie cron: with both day fields restricted a day matches either; otherwise it must match both. */
function dayMatches(schedule: CronSchedule, y: number, mo: number, d: number): boolean {
  const dom = schedule.daysOfMonth.includes(d);
  const dow = schedule.daysOfWeek.includes(new Date(Date.UTC(y, mo - 1, d)).getUTCDay());
  return schedule.domStar || schedule.dowStar ? dom && dow : dom || dow;
}

function showsWallTime(at: Date, y: number, mo: number, d: number, h: number, mi: number): boolean {
  const [year, month, day] = [at.getFullYear(), at.getMonth() + 1, at.getDate()];
  return year === y && month === mo && day === d && at.getHours() === h && at.getMinutes() === mi;
}

// Calendar arithmetic in UTC: no time zone can shift a day count or a weekday.
function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function atOrAfter(values: readonly number[], from: number): number | undefined {
  return values.find((v) => v >= from);
}
