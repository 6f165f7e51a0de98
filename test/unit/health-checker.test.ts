// The parts of health checks that decide rather than probe: the threshold counter, the check
// schedule, the log matcher and the parsing of check targets.

import { describe, expect, test } from "bun:test";
import { HealthCounter, type HealthTransition } from "../../src/orchestrator/health/checker.ts";
import { createLogMatcher } from "../../src/orchestrator/health/log-matcher.ts";
import { startChecks } from "../../src/orchestrator/health/schedule.ts";
import { compileLogPattern, parseHttpTarget, parseTcpTarget } from "../../src/common/health-targets.ts";
import { waitFor } from "../helpers/wait.ts";

const pass = { ok: true, message: "exit 0" };
const fail = { ok: false, message: "exit 1" };

/** Feeds "+" (success) and "-" (failure) results; returns what each one caused, "." for nothing. */
function run(counter: HealthCounter, results: string): string[] {
  return [...results].map((r) => counter.record(r === "+" ? pass : fail) ?? ".");
}

describe("HealthCounter", () => {
  test("starts unknown", () => {
    const counter = new HealthCounter({ successThreshold: 1, failureThreshold: 3 });
    expect({ healthy: counter.healthy, s: counter.consecutiveSuccesses, f: counter.consecutiveFailures, last: counter.last }).toEqual({
      healthy: null,
      s: 0,
      f: 0,
      last: null,
    });
  });

  const cases: Array<[number, number, string, Array<HealthTransition | ".">, boolean | null]> = [
    // k8s defaults: one success makes it healthy, three failures in a row unhealthy.
    [1, 3, "+", ["became-healthy"], true],
    [1, 3, "+--+--", ["became-healthy", ".", ".", ".", ".", "."], true],
    [1, 3, "+---", ["became-healthy", ".", ".", "became-unhealthy"], false],
    [1, 3, "---+", [".", ".", "became-unhealthy", "became-healthy"], true],
    // A transition is reported once, not on every result past the threshold.
    [1, 1, "++--++", ["became-healthy", ".", "became-unhealthy", ".", "became-healthy", "."], true],
    // Higher success threshold: recovering takes that many in a row.
    [3, 1, "++-+++", [".", ".", "became-unhealthy", ".", ".", "became-healthy"], true],
    [2, 2, "++-+--", [".", "became-healthy", ".", ".", ".", "became-unhealthy"], false],
  ];
  test.each(cases)("success %p / failure %p, results %p", (successThreshold, failureThreshold, results, transitions, healthy) => {
    const counter = new HealthCounter({ successThreshold, failureThreshold });
    expect(run(counter, results)).toEqual(transitions);
    expect(counter.healthy).toBe(healthy);
  });

  test("flapping below both thresholds changes nothing, and each result resets the other count", () => {
    const counter = new HealthCounter({ successThreshold: 2, failureThreshold: 2 });
    expect(run(counter, "+-+-+-+-")).toEqual(Array(8).fill("."));
    expect({ healthy: counter.healthy, s: counter.consecutiveSuccesses, f: counter.consecutiveFailures }).toEqual({ healthy: null, s: 0, f: 1 });
    // Once healthy, flapping keeps it healthy.
    run(counter, "++");
    expect(run(counter, "-+-+-+")).toEqual(Array(6).fill("."));
    expect(counter.healthy).toBe(true);
  });

  test("counts consecutive results", () => {
    const counter = new HealthCounter({ successThreshold: 1, failureThreshold: 3 });
    run(counter, "+++");
    expect([counter.consecutiveSuccesses, counter.consecutiveFailures]).toEqual([3, 0]);
    run(counter, "--");
    expect([counter.consecutiveSuccesses, counter.consecutiveFailures]).toEqual([0, 2]);
  });

  test("last holds the latest result with its time", () => {
    const counter = new HealthCounter({ successThreshold: 1, failureThreshold: 3 });
    counter.record({ ok: true, message: "HTTP 200" }, 1_000);
    counter.record({ ok: false, message: "HTTP 503" }, 2_000);
    expect(counter.last).toEqual({ ok: false, message: "HTTP 503", at: 2_000 });
    const before = Date.now();
    counter.record({ ok: true, message: "connected" });
    expect(counter.last?.at).toBeGreaterThanOrEqual(before);
  });

  test("takes a probe result as it is (durationMs is not kept)", () => {
    const counter = new HealthCounter({ successThreshold: 1, failureThreshold: 1 });
    counter.record({ ok: true, message: "exit 0", durationMs: 12 } as { ok: boolean; message: string }, 5);
    expect(counter.last).toEqual({ ok: true, message: "exit 0", at: 5 });
  });

  test("reset() goes back to unknown for a new run", () => {
    const counter = new HealthCounter({ successThreshold: 1, failureThreshold: 1 });
    run(counter, "+");
    counter.reset();
    expect({ healthy: counter.healthy, s: counter.consecutiveSuccesses, f: counter.consecutiveFailures, last: counter.last }).toEqual({
      healthy: null,
      s: 0,
      f: 0,
      last: null,
    });
    expect(run(counter, "+")).toEqual(["became-healthy"]);
  });

  test("thresholds below 1 or fractional are refused", () => {
    expect(() => new HealthCounter({ successThreshold: 0, failureThreshold: 3 })).toThrow(RangeError);
    expect(() => new HealthCounter({ successThreshold: 1, failureThreshold: 1.5 })).toThrow("failureThreshold");
  });
});

/** Real timers, counted: which are still pending, how many were ever set. */
function countedTimers() {
  const pending = new Set<Timer>();
  const delays: number[] = [];
  const set = (callback: () => void, ms: number): Timer => {
    delays.push(ms);
    const timer = setTimeout(() => {
      pending.delete(timer);
      callback();
    }, ms);
    pending.add(timer);
    return timer;
  };
  const clear = (timer: object | null): void => {
    pending.delete(timer as Timer);
    clearTimeout(timer as Timer);
  };
  return { pending, delays, timers: { setTimer: set, clearTimer: clear } };
}

/** A run() whose checks the test finishes one by one. */
function steppedRun() {
  const log: string[] = [];
  const checks: Array<PromiseWithResolvers<void>> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    log,
    checks,
    get maxInFlight() {
      return maxInFlight;
    },
    run: async () => {
      const check = Promise.withResolvers<void>();
      const n = checks.push(check);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`start ${n}`);
      try {
        await check.promise;
      } finally {
        inFlight--;
        log.push(`end ${n}`);
      }
    },
  };
}

/** Lets every callback already due run (the schedule's continuation after a check ends). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("startChecks", () => {
  test("first after the initial delay, then each interval after the previous check ended, never overlapping", async () => {
    const { timers, delays } = countedTimers();
    const stepped = steppedRun();
    const ends: number[] = [];
    const starts: number[] = [];
    const schedule = startChecks({
      initialDelayMs: 15,
      intervalMs: 25,
      run: async () => {
        starts.push(performance.now());
        await stepped.run();
        ends.push(performance.now());
      },
      timers,
    });
    try {
      for (let n = 1; n <= 3; n++) {
        await waitFor(() => stepped.checks.length === n, `check ${n} to start`, 5_000, 1);
        // While a check is in flight, the next one is not even scheduled.
        expect(delays).toHaveLength(n);
        stepped.checks[n - 1]?.resolve();
      }
    } finally {
      schedule.stop();
    }
    expect(stepped.log.slice(0, 5)).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3"]);
    expect(stepped.maxInFlight).toBe(1);
    expect(delays).toEqual([15, 25, 25]);
    // Measured from the end of the previous check (timers may fire up to 1 ms early).
    for (let i = 1; i < starts.length; i++) expect((starts[i] ?? 0) - (ends[i - 1] ?? 0)).toBeGreaterThanOrEqual(24);
  });

  test("stop() before the first check leaves no timer", () => {
    const { timers, pending } = countedTimers();
    let runs = 0;
    const schedule = startChecks({ initialDelayMs: 10_000, intervalMs: 10_000, run: async () => void runs++, timers });
    expect(pending.size).toBe(1);
    schedule.stop();
    expect({ pending: pending.size, runs }).toEqual({ pending: 0, runs: 0 });
  });

  test("a check in flight at stop() finishes but schedules nothing", async () => {
    const { timers, pending, delays } = countedTimers();
    const stepped = steppedRun();
    const schedule = startChecks({ initialDelayMs: 1, intervalMs: 1, run: stepped.run, timers });
    await waitFor(() => stepped.checks.length === 1, "the first check to start", 5_000, 1);
    schedule.stop();
    stepped.checks[0]?.resolve();
    await settle();
    expect({ log: stepped.log, pending: pending.size, timersSet: delays.length }).toEqual({
      log: ["start 1", "end 1"],
      pending: 0,
      timersSet: 1,
    });
  });

  test("stop() from inside a check (a liveness failure restarting the agent) ends the schedule", async () => {
    const { timers, pending } = countedTimers();
    let runs = 0;
    const done = Promise.withResolvers<void>();
    const schedule = startChecks({
      initialDelayMs: 0,
      intervalMs: 1,
      run: async () => {
        runs++;
        if (runs === 2) {
          schedule.stop();
          done.resolve();
        }
      },
      timers,
    });
    await done.promise;
    await settle();
    expect({ runs, pending: pending.size }).toEqual({ runs: 2, pending: 0 });
  });

  test("a check that throws is reported and the schedule goes on", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const third = Promise.withResolvers<void>();
    const schedule = startChecks({
      initialDelayMs: 0,
      intervalMs: 1,
      run: async () => {
        if (++runs === 3) third.resolve();
        if (runs === 1) throw new Error("boom");
      },
      onError: (error) => errors.push(error),
    });
    await third.promise;
    schedule.stop();
    expect(errors.map(String)).toEqual(["Error: boom"]);
  });
});

describe("createLogMatcher", () => {
  test("a match is sticky until reset", () => {
    const matcher = createLogMatcher(/listening on \d+/);
    expect([matcher.feed("starting"), matcher.matched]).toEqual([false, false]);
    expect(matcher.feed("listening on 8080")).toBe(true);
    expect([matcher.feed("something else"), matcher.matched]).toEqual([true, true]);
    matcher.reset();
    expect([matcher.matched, matcher.feed("starting"), matcher.feed("listening on 9090")]).toEqual([false, false, true]);
  });

  test("a global regex does not skip matches through lastIndex", () => {
    const matcher = createLogMatcher(/ready/g);
    expect(matcher.feed("ready")).toBe(true);
    matcher.reset();
    expect(matcher.feed("ready")).toBe(true);
  });
});

describe("parseTcpTarget", () => {
  test.each([
    ["127.0.0.1:5432", "127.0.0.1", 5432],
    ["localhost:80", "localhost", 80],
    ["db.internal.:6379", "db.internal.", 6379],
    ["[::1]:5432", "::1", 5432],
    ["[fe80::1%eth0]:1", "fe80::1%eth0", 1],
    ["my_host:65535", "my_host", 65535],
  ])("%p → %p port %p", (text, host, port) => {
    expect(parseTcpTarget(text)).toEqual({ ok: true, host, port });
  });

  test.each([
    ["127.0.0.1", "no port"],
    ["127.0.0.1:", "port '' is not a number from 1 to 65535"],
    ["127.0.0.1:0", "port '0' is not a number from 1 to 65535"],
    ["127.0.0.1:65536", "port '65536' is not a number from 1 to 65535"],
    ["127.0.0.1:80x", "port '80x' is not a number"],
    [":80", "'' is not a hostname or IP address"],
    ["::1:80", "an IPv6 address goes in brackets"],
    ["[::1]80", "expected host:port"],
    ["[nope]:80", "'nope' is not an IPv6 address"],
    ["bad host:80", "'bad host' is not a hostname"],
    ["-lead.example:80", "'-lead.example' is not a hostname"],
  ])("%p is refused (%p)", (text, error) => {
    const parsed = parseTcpTarget(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });
});

describe("parseHttpTarget", () => {
  test("http and https URLs with a host", () => {
    expect(parseHttpTarget("http://127.0.0.1:8080/health")).toEqual({ ok: true, url: "http://127.0.0.1:8080/health" });
    expect(parseHttpTarget("https://[::1]/ready?x=1")).toEqual({ ok: true, url: "https://[::1]/ready?x=1" });
    expect(parseHttpTarget("HTTP://Localhost:80")).toEqual({ ok: true, url: "http://localhost/" });
  });

  test.each([
    ["127.0.0.1:8080/health", "not a URL"],
    ["ftp://127.0.0.1/", "scheme 'ftp' is not http or https"],
    ["file:///etc/passwd", "scheme 'file'"],
    ["http://", "not a URL"],
    ["", "not a URL"],
  ])("%p is refused (%p)", (text, error) => {
    const parsed = parseHttpTarget(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });
});

describe("compileLogPattern", () => {
  test("compiles a pattern with no flags", () => {
    const parsed = compileLogPattern("listening on port \\d+");
    expect(parsed.ok && parsed.regex.test("server listening on port 80")).toBe(true);
    expect(parsed.ok && parsed.regex.flags).toBe("");
  });

  test("an invalid or empty pattern is a short error", () => {
    expect(compileLogPattern("(unclosed")).toEqual({ ok: false, error: "Invalid regular expression: missing )" });
    expect(compileLogPattern("")).toEqual({ ok: false, error: "empty pattern (it would match every line)" });
  });
});
