// Every status × every event of the lifecycle has a stated outcome: handled (the state or the
// effects change) or ignored (nothing at all). The matrix below is the specification; the test
// fails when transition() handles a pair the matrix says it ignores, or the other way round.

import { describe, expect, test } from "bun:test";
import { ACCEPTS, initialState, transition } from "../../src/orchestrator/lifecycle.ts";
import type { LifecycleEvent, LifecycleEventType, LifecycleState } from "../../src/orchestrator/lifecycle-types.ts";
import type { AgentStatus } from "../../src/protocol/agents.ts";
import { agentConfig, cronOf, readyOnLine } from "../helpers/agent-config.ts";

const STATUSES: AgentStatus[] = ["waiting", "starting", "running", "stopping", "stopped", "completed", "failed", "backoff"];

// One letter per status, in STATUSES order: H handled, · ignored.
//                       wait start run  stop stopd compl fail backoff
const MATRIX: Record<LifecycleEventType, string> = {
  start_requested: "·    ·     ·    ·    H     H     H    H",
  dependencies_pending: "H    ·     ·    ·    ·     ·     ·    ·",
  dependencies_satisfied: "H    ·     ·    ·    ·     ·     ·    ·",
  slot_granted: "H    ·     ·    ·    ·     ·     ·    ·",
  spawned: "·    H     ·    ·    ·     ·     ·    ·",
  spawn_failed: "·    H     ·    ·    ·     ·     ·    ·",
  ready: "·    H     ·    ·    ·     ·     ·    ·",
  not_ready: "·    ·     H    ·    ·     ·     ·    ·",
  exited: "·    H     H    H    ·     ·     ·    ·",
  stop_requested: "H    H     H    H    ·     ·     ·    H",
  reload_changed: "H    H     H    H    ·     ·     ·    H",
  reload_removed: "H    H     H    H    ·     ·     ·    H",
  stop_deadline: "·    H     H    H    ·     ·     ·    ·",
  backoff_elapsed: "·    ·     ·    ·    ·     ·     ·    H",
  run_due: "H    H     H    H    ·     ·     ·    ·",
  run_timed_out: "·    H     H    ·    ·     ·     ·    ·",
  run_requested: "·    ·     ·    ·    H     H     H    ·", // overlap "skip": a run going refuses
  unwell: "·    H     H    ·    ·     ·     ·    ·",
  watchdog_missed: "·    H     H    ·    ·     ·     ·    ·",
  shutdown: "H    H     H    H    H     H     H    H",
  shutdown_stop: "H    H     H    H    ·     ·     ·    H",
};

const EVENTS: Record<LifecycleEventType, LifecycleEvent> = {
  start_requested: { type: "start_requested" },
  dependencies_pending: { type: "dependencies_pending" },
  dependencies_satisfied: { type: "dependencies_satisfied" },
  slot_granted: { type: "slot_granted", nextRunAt: null },
  spawned: { type: "spawned", pid: 42 },
  spawn_failed: { type: "spawn_failed", error: "ENOENT", refused: false },
  ready: { type: "ready", check: "ok" },
  not_ready: { type: "not_ready", check: "no" },
  exited: { type: "exited", exit: { code: 1, signal: null, status: 1, pid: 42, ranMs: 500 } },
  stop_requested: { type: "stop_requested", reason: "command" },
  reload_changed: { type: "reload_changed" },
  reload_removed: { type: "reload_removed" },
  stop_deadline: { type: "stop_deadline" },
  backoff_elapsed: { type: "backoff_elapsed" },
  run_due: { type: "run_due" },
  run_timed_out: { type: "run_timed_out" },
  run_requested: { type: "run_requested" },
  unwell: { type: "unwell", event: "AGENT_UNHEALTHY", details: {} },
  watchdog_missed: { type: "watchdog_missed", seconds: 5 },
  shutdown: { type: "shutdown" },
  shutdown_stop: { type: "shutdown_stop" },
};

const HAS_PROCESS: ReadonlySet<AgentStatus> = new Set(["starting", "running", "stopping"]);

/** A representative state in `status`: a wanted agent in the start queue, in a run, or at rest. */
function stateIn(status: AgentStatus): LifecycleState {
  const state = { ...initialState(), status, wanted: status !== "stopped" && status !== "completed" && status !== "failed" };
  if (status === "waiting") state.waitingReason = "dependencies";
  if (status === "stopping") state.stopReason = "command";
  if (status === "backoff") state.nextRunAt = 5_000;
  return state;
}

function run(status: AgentStatus, type: LifecycleEventType) {
  // Periodic runs (run_due, run_timed_out) need a periodic agent; readiness needs a ready check.
  const periodic = type === "run_due" || type === "run_timed_out" || type === "run_requested";
  const config = agentConfig({
    name: "A",
    kind: periodic ? "periodic" : "looping",
    execution_interval: periodic ? 60 : null,
    timeout: periodic ? 30 : null,
    ready: readyOnLine("up"),
  });
  const before = stateIn(status);
  const frozen = structuredClone(before);
  const result = transition(before, EVENTS[type], { config, now: 1_000, pid: HAS_PROCESS.has(status) ? 42 : null, random: () => 0.5 });
  // Pure: the state passed in is never changed.
  expect(before).toEqual(frozen);
  return { before, result };
}

describe("the lifecycle matrix", () => {
  for (const type of Object.keys(MATRIX) as LifecycleEventType[]) {
    test(`${type}: handled exactly where the matrix says`, () => {
      const cells = MATRIX[type].split(/\s+/);
      expect(cells.length).toBe(STATUSES.length);
      const observed = STATUSES.map((status) => {
        const { before, result } = run(status, type);
        const ignored = result.effects.length === 0 && result.state === before;
        return ignored ? "·" : "H";
      });
      expect(observed.join(" ")).toBe(cells.join(" "));
    });
  }

  test("ACCEPTS names every event, and an event is never handled outside its accepted statuses", () => {
    expect(Object.keys(ACCEPTS).sort()).toEqual(Object.keys(MATRIX).sort());
    for (const type of Object.keys(MATRIX) as LifecycleEventType[]) {
      const cells = MATRIX[type].split(/\s+/);
      STATUSES.forEach((status, i) => {
        if (cells[i] === "H") expect(ACCEPTS[type]).toContain(status);
      });
    }
  });
});

describe("outcomes of single transitions", () => {
  const looping = agentConfig({ name: "A" });
  const ctx = { config: looping, now: 1_000, pid: null, random: () => 0.5 };

  test("a start request queues the agent; a restart request also counts and records it", () => {
    const plain = transition(stateIn("stopped"), { type: "start_requested" }, ctx);
    expect(plain.state).toMatchObject({ status: "waiting", waitingReason: "dependencies", wanted: true });
    expect(plain.effects).toEqual([{ type: "enqueue", front: false }]);
    const restart = transition(stateIn("stopped"), { type: "start_requested", front: true, restart: true }, ctx);
    expect(restart.state.restarts).toBe(1);
    expect(restart.effects.map((e) => e.type)).toEqual(["enqueue", "record"]);
  });

  test("a periodic agent on a cron schedule waits for its first run instead of queueing", () => {
    const cron = agentConfig({ name: "C", kind: "periodic", schedule: "*/5 * * * *", cron: cronOf("*/5 * * * *") });
    const result = transition(stateIn("stopped"), { type: "start_requested" }, { ...ctx, config: cron });
    expect(result.state).toMatchObject({ status: "waiting", waitingReason: "next_run", runsDone: 0 });
    expect(result.effects).toEqual([{ type: "schedule_begin" }]);
  });

  test("a fast crash of a looping agent backs off 1 s (±10 %), recording the exit and the backoff", () => {
    const result = transition(stateIn("running"), EVENTS.exited, { ...ctx, pid: 42 });
    expect(result.state).toMatchObject({ status: "backoff", nextRunAt: 2_000, lastExitCode: 1 });
    expect(result.effects.map((e) => e.type)).toEqual(["process_gone", "record", "record", "arm_backoff", "reconcile"]);
    expect(result.effects).toContainEqual({ type: "arm_backoff", delayMs: 1_000 });
  });

  test("the exit of a process serve is stopping completes the stop: stopped, graceful unless SIGKILL was needed", () => {
    const graceful = transition(stateIn("stopping"), EVENTS.exited, { ...ctx, pid: 42 });
    expect(graceful.state.status).toBe("stopped");
    expect(graceful.effects).toContainEqual({ type: "stopped", graceful: true });
    const forced = transition({ ...stateIn("stopping"), forced: true }, EVENTS.exited, { ...ctx, pid: 42 });
    expect(forced.effects).toContainEqual({ type: "stopped", graceful: false });
  });

  test("a restart's exit keeps the worker slot: no reconcile, so the restart takes the slot back first", () => {
    const result = transition({ ...stateIn("stopping"), stopReason: "restart" }, EVENTS.exited, { ...ctx, pid: 42 });
    expect(result.effects.map((e) => e.type)).not.toContain("reconcile");
  });

  test("stopping an agent without a process completes at once; with one it signals and waits", () => {
    const idle = transition(stateIn("backoff"), { type: "stop_requested", reason: "command" }, ctx);
    expect(idle.state.status).toBe("stopped");
    expect(idle.effects).toContainEqual({ type: "stopped", graceful: true });
    const live = transition(stateIn("running"), { type: "stop_requested", reason: "command" }, { ...ctx, pid: 42 });
    expect(live.state).toMatchObject({ status: "stopping", stopReason: "command", wanted: false });
    expect(live.effects.map((e) => e.type)).toContain("terminate");
  });

  test("shutdown overtaking a stop changes why, and sends no second signal", () => {
    const result = transition(stateIn("stopping"), { type: "shutdown_stop" }, { ...ctx, pid: 42 });
    expect(result.state.stopReason).toBe("shutdown");
    expect(result.effects.map((e) => e.type)).not.toContain("terminate");
  });
});
