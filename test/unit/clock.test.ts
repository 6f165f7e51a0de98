// The orchestrator's clock: the PYORCHESTRATE_FAKE_NOW offset, delays, jitter.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { clockOffset, delayUntil, fakeNowOffset, jitterMs, now } from "../../src/orchestrator/clock.ts";

const CLOCK = join(import.meta.dir, "../../src/orchestrator/clock.ts");

/** Loads the clock in a fresh bun with PYORCHESTRATE_FAKE_NOW as given: it is read at load. */
function clockIn(fakeNow: string | undefined) {
  const env: Record<string, string | undefined> = { ...process.env, PYORCHESTRATE_FAKE_NOW: fakeNow };
  if (fakeNow === undefined) delete env.PYORCHESTRATE_FAKE_NOW;
  const script = `import { now, clockOffset } from ${JSON.stringify(CLOCK)};
console.log(JSON.stringify({ now: now(), offset: clockOffset(), real: Date.now() }));`;
  const child = Bun.spawnSync([process.execPath, "-e", script], { env });
  return { exitCode: child.exitCode, stdout: child.stdout.toString(), stderr: child.stderr.toString() };
}

describe("PYORCHESTRATE_FAKE_NOW", () => {
  test("starts the clock at the given time; it then runs in real time", () => {
    const fake = Date.parse("2030-06-15T12:00:00Z");
    const child = clockIn("2030-06-15T12:00:00Z");
    expect(child.exitCode).toBe(0);
    const seen = JSON.parse(child.stdout) as { now: number; offset: number; real: number };
    // Between load and print only the child's start-up time passes.
    expect(seen.now).toBeGreaterThanOrEqual(fake);
    expect(seen.now).toBeLessThan(fake + 10_000);
    expect(seen.now - seen.real).toBe(seen.offset);
  });

  test("unset: real time, no offset", () => {
    const before = Date.now();
    const child = clockIn(undefined);
    expect(child.exitCode).toBe(0);
    const seen = JSON.parse(child.stdout) as { now: number; offset: number };
    expect(seen.offset).toBe(0);
    expect(seen.now).toBeGreaterThanOrEqual(before);
    expect(seen.now).toBeLessThanOrEqual(Date.now());
  });

  test("an invalid value fails at load rather than running on real time", () => {
    const child = clockIn("next tuesday");
    expect(child.exitCode).not.toBe(0);
    expect(child.stderr).toContain('PYORCHESTRATE_FAKE_NOW: "next tuesday" is not an ISO time');
  });

  test("this test process runs on real time", () => {
    expect(clockOffset()).toBe(0);
  });
});

describe("fakeNowOffset", () => {
  const real = Date.parse("2025-01-01T01:00:00Z");
  const cases: Array<[string | undefined, number]> = [
    [undefined, 0],
    ["", 0],
    ["  ", 0],
    ["2025-01-01T00:00:00Z", -3_600_000],
    ["2025-01-01T01:00:00.250Z", 250],
    ["2025-01-02", 23 * 3_600_000], // a date alone is UTC midnight (ECMAScript)
    [" 2025-01-01T02:00:00+01:00 ", 0],
  ];
  test.each(cases)("%p → %p ms", (text, offset) => {
    expect(fakeNowOffset(text, real)).toBe(offset);
  });

  test("without an offset the time is local", () => {
    expect(fakeNowOffset("2025-01-01T02:00:00", real)).toBe(new Date(2025, 0, 1, 2, 0).getTime() - real);
  });

  test.each(["12345", "tomorrow", "March 7, 2025", "2025-13-45T00:00:00Z"])("rejects %p", (text) => {
    expect(() => fakeNowOffset(text, real)).toThrow(`PYORCHESTRATE_FAKE_NOW: "${text}" is not an ISO time`);
  });
});

describe("delayUntil", () => {
  test("is the time left, never negative", () => {
    expect(delayUntil(now() - 5_000)).toBe(0);
    expect(delayUntil(now())).toBe(0);
    const left = delayUntil(now() + 60_000);
    expect(left).toBeGreaterThan(59_000);
    expect(left).toBeLessThanOrEqual(60_000);
  });
});

describe("jitterMs", () => {
  const cases: Array<[number, number, number]> = [
    [10, 0, 0],
    [10, 0.5, 5_000],
    [10, 0.999_999_9, 9_999],
    [10, 1, 9_999], // a source that answers 1 still stays below the bound
    [10, -0.5, 0],
    [10, Number.NaN, 0],
    [1.5, 0.5, 750],
    [0, 0.5, 0],
    [-3, 0.5, 0],
    [Number.NaN, 0.5, 0],
  ];
  test.each(cases)("up to %p s, random %p → %p ms", (maxSeconds, random, expected) => {
    expect(jitterMs(maxSeconds, () => random)).toBe(expected);
  });

  test("with Math.random: whole ms in [0, max)", () => {
    const samples = Array.from({ length: 1_000 }, () => jitterMs(2));
    expect(samples.every((ms) => Number.isInteger(ms) && ms >= 0 && ms < 2_000)).toBe(true);
    expect(new Set(samples).size).toBeGreaterThan(100);
  });
});
