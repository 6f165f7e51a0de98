// The restart policy of looping agents: whether to restart, how long to back off, when to give up.

import { describe, expect, test } from "bun:test";
import type { AgentConfig } from "../../src/config/types.ts";
import type { RestartPolicy } from "../../src/config/values.ts";
import { backoffDelay, decideRestart, type RestartHistory, resetHistory, STABLE_RUN_MS, wantsRestart } from "../../src/orchestrator/restart-policy.ts";
import { agentConfig } from "../helpers/agent-config.ts";

function agent(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return agentConfig({ name: "Looper", command: ["sleep", "30"], cwd: "/tmp", ...overrides });
}

const fresh = (): RestartHistory => ({ exitTimes: [], fastExits: 0 });
/** A random source that always answers the middle of [0, 1): no jitter at all. */
const noJitter = () => 0.5;
const FAST = 100; // ms a crashing run lasted

describe("wantsRestart", () => {
  const cases: Array<[RestartPolicy, number, boolean]> = [
    ["always", 0, true],
    ["always", 1, true],
    ["always", 137, true],
    ["on-failure", 0, false],
    ["on-failure", 1, true],
    ["on-failure", 143, true],
    ["never", 0, false],
    ["never", 1, false],
  ];
  test.each(cases)("restart = %p, exit status %p → %p", (restart, status, expected) => {
    expect(wantsRestart(agent({ restart }), status)).toBe(expected);
  });
});

describe("backoffDelay", () => {
  test("doubles from 1 s and is capped at 60 s (no jitter)", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map((attempt) => backoffDelay(attempt, noJitter));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  test("attempt 0 or below counts as the first attempt", () => {
    expect(backoffDelay(0, noJitter)).toBe(1_000);
    expect(backoffDelay(-3, noJitter)).toBe(1_000);
  });

  test("jitter stays within ±10 % and reaches both ends", () => {
    for (const [attempt, base] of [
      [1, 1_000],
      [3, 4_000],
      [10, 60_000],
    ] as const) {
      expect(backoffDelay(attempt, () => 0)).toBe(base * 0.9);
      expect(backoffDelay(attempt, () => 0.999_999_9)).toBe(Math.round(base * 1.1));
      expect(backoffDelay(attempt, () => 0.25)).toBe(base * 0.95);
      expect(backoffDelay(attempt, () => 0.75)).toBe(base * 1.05);
    }
  });

  test("with the real random source every delay is inside the bounds and they differ", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(2));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(1_800);
      expect(delay).toBeLessThanOrEqual(2_200);
    }
    // Not all in lockstep.
    expect(new Set(delays).size).toBeGreaterThan(10);
  });

  test("the cap applies before the jitter: never more than 66 s", () => {
    expect(backoffDelay(50, () => 0.999_999_9)).toBe(66_000);
    expect(backoffDelay(50, () => 0)).toBe(54_000);
  });
});

describe("decideRestart", () => {
  test("no restart wanted → none, and the exit is not counted", () => {
    const history = fresh();
    expect(decideRestart(agent({ restart: "never" }), history, 1, FAST, 1_000, noJitter)).toEqual({ action: "none" });
    expect(decideRestart(agent({ restart: "on-failure" }), history, 0, FAST, 2_000, noJitter)).toEqual({ action: "none" });
    expect(history).toEqual(fresh());
  });

  test("fast exits back off 1 s, 2 s, 4 s … with the attempt counted in the history", () => {
    const config = agent({ restart: "always", max_restarts: 100 });
    const history = fresh();
    const decisions = [1, 2, 3, 4, 5].map((i) => decideRestart(config, history, 1, FAST, i * 1_000, noJitter));
    expect(decisions).toEqual([
      { action: "backoff", delayMs: 1_000 },
      { action: "backoff", delayMs: 2_000 },
      { action: "backoff", delayMs: 4_000 },
      { action: "backoff", delayMs: 8_000 },
      { action: "backoff", delayMs: 16_000 },
    ]);
    expect(history).toEqual({ exitTimes: [1_000, 2_000, 3_000, 4_000, 5_000], fastExits: 5 });
  });

  test("the injected random source sets the jitter of a backoff", () => {
    const config = agent({ restart: "always" });
    expect(decideRestart(config, fresh(), 1, FAST, 1_000, () => 0)).toEqual({ action: "backoff", delayMs: 900 });
    expect(decideRestart(config, fresh(), 1, FAST, 1_000, () => 0.999_999_9)).toEqual({ action: "backoff", delayMs: 1_100 });
  });

  test("gives up on the exit after max_restarts inside restart_window", () => {
    const config = agent({ max_restarts: 2, restart_window: 60 });
    const history = fresh();
    expect(decideRestart(config, history, 1, FAST, 10_000, noJitter)).toEqual({ action: "backoff", delayMs: 1_000 });
    expect(decideRestart(config, history, 1, FAST, 11_000, noJitter)).toEqual({ action: "backoff", delayMs: 2_000 });
    expect(decideRestart(config, history, 1, FAST, 13_000, noJitter)).toEqual({ action: "give_up", exits: 3, windowSeconds: 60 });
  });

  test("max_restarts = 0 gives up on the first exit", () => {
    expect(decideRestart(agent({ max_restarts: 0 }), fresh(), 1, FAST, 5_000, noJitter)).toEqual({
      action: "give_up",
      exits: 1,
      windowSeconds: 60,
    });
  });

  test("exits older than restart_window are forgotten", () => {
    const config = agent({ max_restarts: 2, restart_window: 10 });
    const history = fresh();
    decideRestart(config, history, 1, FAST, 1_000, noJitter);
    decideRestart(config, history, 1, FAST, 2_000, noJitter);
    // 12 s: the exit at 1 s left the 10 s window, the one at 2 s is still inside: 2 exits, not 3.
    expect(decideRestart(config, history, 1, FAST, 11_500, noJitter).action).toBe("backoff");
    expect(history.exitTimes).toEqual([2_000, 11_500]);
    // Exactly restart_window after an exit, that exit is out.
    expect(decideRestart(config, history, 1, FAST, 12_000, noJitter).action).toBe("backoff");
    expect(history.exitTimes).toEqual([11_500, 12_000]);
    // A third inside the window: give up.
    expect(decideRestart(config, history, 1, FAST, 12_500, noJitter)).toEqual({ action: "give_up", exits: 3, windowSeconds: 10 });
  });

  test("a run of at least 10 s restarts at once and resets the backoff", () => {
    const config = agent({ restart: "always", max_restarts: 100 });
    const history = fresh();
    decideRestart(config, history, 1, FAST, 1_000, noJitter);
    decideRestart(config, history, 1, FAST, 2_000, noJitter);
    expect(decideRestart(config, history, 1, FAST, 3_000, noJitter)).toEqual({ action: "backoff", delayMs: 4_000 });

    expect(decideRestart(config, history, 1, STABLE_RUN_MS, 20_000, noJitter)).toEqual({ action: "now" });
    expect(history.fastExits).toBe(0);
    // The next crash starts the backoff over at 1 s.
    expect(decideRestart(config, history, 1, FAST, 21_000, noJitter)).toEqual({ action: "backoff", delayMs: 1_000 });
  });

  test("a run just short of 10 s still backs off", () => {
    expect(STABLE_RUN_MS).toBe(10_000);
    expect(decideRestart(agent(), fresh(), 1, STABLE_RUN_MS - 1, 50_000, noJitter)).toEqual({ action: "backoff", delayMs: 1_000 });
  });

  test("a stable run after a crash loop is still counted against max_restarts inside the window", () => {
    const config = agent({ max_restarts: 1, restart_window: 60 });
    const history = fresh();
    expect(decideRestart(config, history, 1, FAST, 1_000, noJitter).action).toBe("backoff");
    expect(decideRestart(config, history, 1, 15_000, 17_000, noJitter)).toEqual({ action: "give_up", exits: 2, windowSeconds: 60 });
  });

  test("resetHistory forgets exits and backoff", () => {
    const config = agent({ max_restarts: 1 });
    const history = fresh();
    decideRestart(config, history, 1, FAST, 1_000, noJitter);
    resetHistory(history);
    expect(history).toEqual(fresh());
    expect(decideRestart(config, history, 1, FAST, 2_000, noJitter)).toEqual({ action: "backoff", delayMs: 1_000 });
  });
});
