// The vocabulary of the agent lifecycle: its state, the events that move it and the effects a
// transition asks the shell to perform (lifecycle.ts decides, supervisor.ts performs).

import type { AgentConfig } from "../config/types.ts";
import type { AgentStatus, WaitingReason } from "../protocol/agents.ts";
import type { NewEvent } from "./events.ts";
import type { RestartHistory } from "./restart-policy.ts";

/** Why serve itself is ending the current process (its exit is then not the agent's doing). */
export type StopReason = "command" | "restart" | "shutdown" | "reload";

/** What the lifecycle decides on; the rest of an agent's runtime is the shell's. */
export interface LifecycleState {
  status: AgentStatus;
  waitingReason: WaitingReason | null;
  /** Should be up: autostart or a command started it; cleared by a stop, completion or giving up. */
  wanted: boolean;
  /** Set while serve stops the current process (stop, restart, shutdown, reload). */
  stopReason: StopReason | null;
  /** The current process needed SIGKILL: its stop_timeout passed after the stop signal. */
  forced: boolean;
  /** The current run hit its timeout and was ended. */
  timedOut: boolean;
  /** periodic: a run fell due while one was going and overlap is "queue" or "kill": it runs next. */
  overlapQueued: boolean;
  /** periodic: runs finished in the current schedule. */
  runsDone: number;
  /** periodic: the run queued or going was asked for by `run`: it leaves the schedule and the limit alone. */
  manualRun: boolean;
  restarts: number;
  history: RestartHistory;
  lastExitCode: number | null;
  /** Why the last start failed, or why serve ended the last run (watchdog); cleared once a run is up (ready). */
  lastError: string | null;
  /** Next periodic run or backoff retry (ms). */
  nextRunAt: number | null;
}

export interface ExitReport {
  /** null when ended by a signal. */
  code: number | null;
  signal: string | null;
  /** code, or 128 + signal number. */
  status: number;
  pid: number;
  ranMs: number;
}

export type LifecycleEvent =
  /** start, autostart, a reload bringing the agent back, or restart's second half (`restart`). */
  | { type: "start_requested"; front?: boolean; restart?: boolean }
  /** The start queue looked: a provider is not up yet. */
  | { type: "dependencies_pending" }
  /** The start queue looked: dependencies hold, but every max_workers slot is taken. */
  | { type: "dependencies_satisfied" }
  /** A slot is free and dependencies hold: spawn now. `nextRunAt`: the schedule's next tick. */
  | { type: "slot_granted"; nextRunAt: number | null }
  | { type: "spawned"; pid: number }
  /** `refused`: no retry can help (account refused); otherwise handled like exit 127. */
  | { type: "spawn_failed"; error: string; refused: boolean }
  | { type: "ready"; check: string }
  | { type: "not_ready"; check: string }
  | { type: "exited"; exit: ExitReport }
  | { type: "stop_requested"; reason: "command" | "restart" }
  /** A reload changed the agent's definition: it stops, and comes back as a new runtime. */
  | { type: "reload_changed" }
  | { type: "reload_removed" }
  /** stop_timeout passed after the stop signal. */
  | { type: "stop_deadline" }
  | { type: "backoff_elapsed" }
  | { type: "run_due" }
  /** `run AGENT`: one run of a periodic agent now, outside its schedule (the command checked overlap). */
  | { type: "run_requested" }
  | { type: "run_timed_out" }
  /** A failed liveness check or the memory limit: end the process, handled as a crash. */
  | { type: "unwell"; event: "AGENT_UNHEALTHY" | "AGENT_MEMORY_LIMIT"; details: Record<string, unknown> }
  /** A notify agent with `watchdog = N` sent no WATCHDOG=1 for N seconds: end it, handled as a crash. */
  | { type: "watchdog_missed"; seconds: number }
  /** Shutdown began: nothing comes back; agents are then stopped dependents first. */
  | { type: "shutdown" }
  /** Shutdown reached this agent. */
  | { type: "shutdown_stop" };

export type LifecycleEventType = LifecycleEvent["type"];

export type Effect =
  | { type: "record"; event: NewEvent }
  /** Join the start queue (its front for a restart). */
  | { type: "enqueue"; front: boolean }
  | { type: "dequeue" }
  | { type: "spawn" }
  /** (Re)arm the notify watchdog: a WATCHDOG=1, or a run that just began. */
  | { type: "arm_watchdog"; delayMs: number }
  /** stop_signal to the process group now, SIGKILL at stop_timeout unless it has gone. */
  | { type: "terminate" }
  | { type: "kill" }
  | { type: "arm_backoff"; delayMs: number }
  | { type: "arm_run_timeout"; delayMs: number }
  /** Backoff and run timers off. */
  | { type: "cancel_timers" }
  | { type: "schedule_begin" }
  | { type: "schedule_after_run" }
  | { type: "schedule_cancel" }
  | { type: "health_begin" }
  | { type: "health_end" }
  /** The process has gone: its slot, pid record, memory watch and timers go with it. */
  | { type: "process_gone" }
  | { type: "count_run"; durationMs: number; ok: boolean }
  /** A stop serve asked for is complete; `graceful`: no SIGKILL was needed. */
  | { type: "stopped"; graceful: boolean }
  /** Look at the start queue again: something may start now. */
  | { type: "reconcile" };

/** What a transition may know besides the state: the agent's definition, the time, its process. */
export interface TransitionContext {
  config: AgentConfig;
  now: number;
  /** The current process, or null. */
  pid: number | null;
  random?: () => number;
}

export interface Transition {
  state: LifecycleState;
  effects: Effect[];
}
