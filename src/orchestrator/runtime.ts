// The live state of one agent: what it is doing now, what it did, and what it waits for.

import type { AgentConfig } from "../config/types.ts";
import type { AgentCounts } from "../protocol/agents.ts";
import type { AgentProcess } from "./agent-process.ts";
import { initialState, isActiveStatus } from "./lifecycle.ts";
import type { LifecycleState } from "./lifecycle-types.ts";
import type { OutputLog } from "./output-log.ts";
import type { TimerHandle } from "./ports.ts";

export interface ExecutionStats {
  runs: number;
  failures: number;
  totalDurationMs: number;
  /** Durations of the most recent runs (at most RECENT_RUNS), oldest first: for percentiles. */
  recentDurationsMs: number[];
}

/** How many run durations each agent keeps for its percentiles. */
export const RECENT_RUNS = 100;

/** Counts one finished oneshot or periodic run. */
export function countRun(stats: ExecutionStats, durationMs: number, ok: boolean): void {
  stats.runs++;
  stats.totalDurationMs += durationMs;
  if (!ok) stats.failures++;
  stats.recentDurationsMs.push(durationMs);
  if (stats.recentDurationsMs.length > RECENT_RUNS) stats.recentDurationsMs.shift();
}

/** One agent's runtime: its lifecycle state (lifecycle.ts decides it) and what the shell holds for it. */
export interface AgentRuntime extends LifecycleState {
  config: AgentConfig;
  process: AgentProcess | null;
  /** Backoff or next-run timer. */
  timer: TimerHandle | null;
  /** oneshot/periodic: ends a run at its timeout. */
  runTimer: TimerHandle | null;
  /** SIGKILL at stop_timeout after the stop signal. */
  stopDeadline: TimerHandle | null;
  /** notify agents with `watchdog`: fires when no WATCHDOG=1 came in time. */
  watchdogTimer: TimerHandle | null;
  /** The last STATUS= a notify agent sent in its current run. */
  statusText: string | null;
  /** Stops (command, restart, shutdown, reload) waiting for the current process to exit. */
  stopWaiters: Array<(graceful: boolean) => void>;
  lastActivity: number | null;
  executions: ExecutionStats;
  log: OutputLog;
}

export function createRuntime(config: AgentConfig, log: OutputLog): AgentRuntime {
  return {
    ...initialState(),
    config,
    process: null,
    timer: null,
    runTimer: null,
    stopDeadline: null,
    watchdogTimer: null,
    statusText: null,
    stopWaiters: [],
    lastActivity: null,
    executions: { runs: 0, failures: 0, totalDurationMs: 0, recentDurationsMs: [] },
    log,
  };
}

/** Active = has a process or a pending start/run; the opposite of stopped, completed and failed. */
export function isActive(runtime: AgentRuntime): boolean {
  return isActiveStatus(runtime.status);
}

/** Running counts starting agents; waiting counts backoff too (both will run without anyone asking). */
export function countStatuses(runtimes: readonly AgentRuntime[]): AgentCounts {
  const counts: AgentCounts = { total_agents: runtimes.length, running_agents: 0, waiting_agents: 0, failed_agents: 0 };
  for (const { status } of runtimes) {
    if (status === "running" || status === "starting") counts.running_agents++;
    else if (status === "waiting" || status === "backoff") counts.waiting_agents++;
    else if (status === "failed") counts.failed_agents++;
  }
  return counts;
}
