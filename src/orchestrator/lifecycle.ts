// The agent lifecycle as one pure function: (state, event) → (state, effects). Every status of
// SPEC §3 × every event has an outcome here or is ignored explicitly (ACCEPTS); the shell
// (supervisor.ts) performs the effects — spawn, signals, timers, the queue, events — and feeds
// back what happened as new events. Nothing here reads a clock, spawns or touches a timer.

import type { AgentConfig } from "../config/types.ts";
import type { AgentStatus } from "../protocol/agents.ts";
import type { NewEvent } from "./events.ts";
import { settleExit, settleSpawnFailure } from "./lifecycle-exit.ts";
import { runDue, runRequested } from "./lifecycle-runs.ts";
import type { Effect, ExitReport, LifecycleEvent, LifecycleEventType, LifecycleState, StopReason, Transition, TransitionContext } from "./lifecycle-types.ts";
import { STABLE_RUN_MS, wantsRestart } from "./restart-policy.ts";

const ALL: readonly AgentStatus[] = ["waiting", "starting", "running", "stopping", "stopped", "completed", "failed", "backoff"];
const LIVE: readonly AgentStatus[] = ["starting", "running", "stopping"];
const INACTIVE: readonly AgentStatus[] = ["stopped", "completed", "failed"];
const ACTIVE: readonly AgentStatus[] = ["waiting", "starting", "running", "stopping", "backoff"];

/**
 * For each event, the statuses it applies to; in every other status it is ignored (no change,
 * no effect). A handler may still ignore an event in an accepted status for a stated reason.
 */
export const ACCEPTS: Readonly<Record<LifecycleEventType, readonly AgentStatus[]>> = {
  start_requested: [...INACTIVE, "backoff"],
  dependencies_pending: ["waiting"],
  dependencies_satisfied: ["waiting"],
  slot_granted: ["waiting"],
  spawned: ["starting"],
  spawn_failed: ["starting"],
  ready: ["starting"],
  not_ready: ["running"],
  exited: LIVE,
  stop_requested: ACTIVE,
  reload_changed: ACTIVE,
  reload_removed: ACTIVE,
  stop_deadline: LIVE,
  backoff_elapsed: ["backoff"],
  run_due: ["waiting", "starting", "running", "stopping"],
  run_requested: ["waiting", "starting", "running", ...INACTIVE],
  run_timed_out: ["starting", "running"],
  unwell: ["starting", "running"],
  watchdog_missed: ["starting", "running"],
  shutdown: ALL,
  shutdown_stop: ACTIVE,
};

export function initialState(): LifecycleState {
  return {
    status: "stopped",
    waitingReason: null,
    wanted: false,
    stopReason: null,
    forced: false,
    timedOut: false,
    overlapQueued: false,
    runsDone: 0,
    manualRun: false,
    restarts: 0,
    history: { exitTimes: [], fastExits: 0 },
    lastExitCode: null,
    lastError: null,
    nextRunAt: null,
  };
}

/** Active = has a process or a pending start/run; the opposite of stopped, completed and failed. */
export function isActiveStatus(status: AgentStatus): boolean {
  return !INACTIVE.includes(status);
}

const IGNORED = (state: LifecycleState): Transition => ({ state, effects: [] });

export function transition(state: LifecycleState, event: LifecycleEvent, ctx: TransitionContext): Transition {
  if (!ACCEPTS[event.type].includes(state.status)) return IGNORED(state);
  const next: LifecycleState = { ...state };
  const effects: Effect[] = [];
  const { config } = ctx;
  const name = config.name;
  const record = (e: NewEvent) => effects.push({ type: "record", event: e });
  const enqueue = (front: boolean) => {
    next.status = "waiting";
    next.waitingReason = "dependencies";
    effects.push({ type: "enqueue", front });
  };
  switch (event.type) {
    case "start_requested": {
      if (state.status === "backoff") {
        effects.push({ type: "cancel_timers" });
        next.nextRunAt = null;
      }
      next.wanted = true;
      next.stopReason = null;
      next.manualRun = false;
      next.history = { exitTimes: [], fastExits: 0 };
      let firstRunNow = true;
      if (config.kind === "periodic") {
        next.runsDone = 0;
        next.overlapQueued = false;
        effects.push({ type: "schedule_begin" });
        // A cron schedule or jitter: the first run comes when the schedule says.
        firstRunNow = config.cron === null && !(config.jitter > 0);
      }
      if (firstRunNow) enqueue(event.front === true);
      else {
        next.status = "waiting";
        next.waitingReason = "next_run";
      }
      if (event.restart) {
        next.restarts++;
        record({ type: "AGENT_RESTARTED", agent: name, severity: "INFO", details: { reason: "command" } });
      }
      break;
    }
    case "dependencies_pending":
    case "dependencies_satisfied":
      // Only an agent in the start queue waits for these; one idle until its next run does not.
      if (state.waitingReason === "next_run") return IGNORED(state);
      next.waitingReason = event.type === "dependencies_pending" ? "dependencies" : "queued";
      break;
    case "slot_granted":
      if (state.waitingReason === "next_run") return IGNORED(state);
      next.status = "starting";
      next.waitingReason = null;
      // A manual run leaves the schedule alone: its next run stays where it was.
      if (!state.manualRun) next.nextRunAt = config.kind === "periodic" ? event.nextRunAt : null;
      next.stopReason = null;
      next.forced = false;
      next.timedOut = false;
      effects.push({ type: "spawn" });
      break;
    case "spawned":
      // The run is fine once it is up: at once without a ready check, else when the check passes.
      if (!config.ready) next.lastError = null;
      // With a ready check the agent is "starting" until it passes; dependents on `ready` wait.
      next.status = config.ready ? "starting" : "running";
      if (config.ready || config.alive) effects.push({ type: "health_begin" });
      record({
        type: config.kind === "periodic" ? "EXECUTION_STARTED" : "AGENT_STARTED",
        agent: name,
        severity: "INFO",
        details: {
          pid: event.pid,
          run: config.kind === "periodic" && !state.manualRun ? state.runsDone + 1 : undefined,
          manual: state.manualRun ? true : undefined,
        },
      });
      if (config.timeout !== null && config.kind !== "looping") effects.push({ type: "arm_run_timeout", delayMs: config.timeout * 1000 });
      if (config.ready?.watchdog) effects.push({ type: "arm_watchdog", delayMs: config.ready.watchdog * 1000 });
      break;
    case "spawn_failed":
      next.lastError = event.error;
      settleSpawnFailure(next, effects, ctx, event.error, event.refused);
      break;
    case "ready":
      if (ctx.pid === null) return IGNORED(state);
      next.status = "running";
      next.lastError = null;
      record({ type: "AGENT_READY", agent: name, severity: "INFO", details: { pid: ctx.pid, check: event.check } });
      effects.push({ type: "reconcile" });
      break;
    case "not_ready":
      next.status = "starting";
      record({ type: "AGENT_NOT_READY", agent: name, severity: "WARNING", details: { pid: ctx.pid, check: event.check } });
      break;
    case "exited":
      exited(state, next, effects, ctx, event.exit);
      break;
    case "stop_requested":
    case "reload_changed":
    case "reload_removed":
    case "shutdown_stop":
      stopRequested(state, next, effects, ctx, stopReasonOf(event.type === "stop_requested" ? event.reason : event.type));
      break;
    case "stop_deadline":
      next.forced = true;
      effects.push({ type: "kill" });
      break;
    case "backoff_elapsed":
      next.nextRunAt = null;
      next.restarts++;
      record({ type: "AGENT_RESTARTED", agent: name, severity: "INFO", details: { reason: "backoff elapsed" } });
      enqueue(false);
      effects.push({ type: "reconcile" });
      break;
    case "run_due":
      return runDue(state, ctx);
    case "run_requested":
      return runRequested(state, ctx);
    case "run_timed_out":
      if (ctx.pid === null || state.stopReason !== null) return IGNORED(state);
      next.timedOut = true;
      effects.push({ type: "terminate" });
      break;
    case "unwell":
      if (ctx.pid === null || state.stopReason !== null) return IGNORED(state);
      record({ type: event.event, agent: name, severity: "WARNING", details: { pid: ctx.pid, ...event.details } });
      effects.push({ type: "health_end" }, { type: "terminate" });
      break;
    case "watchdog_missed":
      if (ctx.pid === null || state.stopReason !== null) return IGNORED(state);
      next.lastError = `watchdog: no WATCHDOG=1 for ${event.seconds}s`;
      record({ type: "AGENT_WATCHDOG", agent: name, severity: "WARNING", details: { pid: ctx.pid, watchdog_seconds: event.seconds } });
      effects.push({ type: "health_end" }, { type: "terminate" });
      break;
    case "shutdown":
      next.wanted = false;
      if (ctx.pid === null) {
        next.nextRunAt = null;
        effects.push({ type: "cancel_timers" });
      }
      break;
  }
  return { state: next, effects };
}

function stopReasonOf(type: "command" | "restart" | "reload_changed" | "reload_removed" | "shutdown_stop"): StopReason {
  if (type === "reload_changed" || type === "reload_removed") return "reload";
  if (type === "shutdown_stop") return "shutdown";
  return type;
}

/** Takes an agent down whatever it is doing; with a process, the stop completes at its exit. */
function stopRequested(state: LifecycleState, next: LifecycleState, effects: Effect[], ctx: TransitionContext, reason: StopReason): void {
  next.wanted = false;
  next.overlapQueued = false;
  next.manualRun = false;
  next.nextRunAt = null;
  effects.push({ type: "health_end" }, { type: "dequeue" }, { type: "schedule_cancel" }, { type: "cancel_timers" });
  if (ctx.pid !== null) {
    next.stopReason = reason;
    next.status = "stopping";
    // A second stop (shutdown overtaking a restart) changes why, not the signal already sent.
    if (state.status !== "stopping") effects.push({ type: "terminate" });
    return;
  }
  next.status = "stopped";
  next.waitingReason = null;
  effects.push(stoppedRecord(ctx, reason, true, null), { type: "stopped", graceful: true });
}

function stoppedRecord(ctx: TransitionContext, reason: StopReason, graceful: boolean, exit: ExitReport | null): Effect {
  return {
    type: "record",
    event: {
      type: "AGENT_STOPPED",
      agent: ctx.config.name,
      severity: graceful ? "INFO" : "WARNING",
      details: { reason, graceful_shutdown: graceful, pid: exit?.pid ?? null, exit_code: exit?.code ?? null, signal: exit?.signal ?? null },
    },
  };
}

function exited(state: LifecycleState, next: LifecycleState, effects: Effect[], ctx: TransitionContext, exit: ExitReport): void {
  effects.push({ type: "process_gone" });
  if (state.stopReason !== null) {
    next.lastExitCode = exit.status;
    next.status = "stopped";
    next.waitingReason = null;
    effects.push(stoppedRecord(ctx, state.stopReason, !state.forced, exit), { type: "stopped", graceful: !state.forced });
  } else {
    settleExit(next, effects, ctx, exit);
  }
  if (next.overlapQueued) {
    // overlap "queue"/"kill": the run that fell due meanwhile starts now.
    next.overlapQueued = false;
    if (next.wanted && next.status === "waiting") {
      next.waitingReason = "dependencies";
      effects.push({ type: "enqueue", front: false });
    }
  }
  // A restart keeps the agent's worker slot: its exit must not hand the slot to the queue.
  if (state.stopReason !== "restart") effects.push({ type: "reconcile" });
}

/** The exit is the agent's own and will be restarted at once, not backed off or given up on. */
export function restartsAtOnce(
  state: LifecycleState,
  config: AgentConfig,
  exit: { status: number; ranMs: number },
  now: number,
  shuttingDown: boolean,
): boolean {
  if (config.kind !== "looping" || state.stopReason !== null || shuttingDown) return false;
  if (!wantsRestart(config, exit.status) || exit.ranMs < STABLE_RUN_MS) return false;
  const windowStart = now - config.restart_window * 1000;
  return state.history.exitTimes.filter((time) => time > windowStart).length < config.max_restarts;
}
