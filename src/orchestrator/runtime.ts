// The live state of one agent: what it is doing now, what it did, and what it waits for.

import type { AgentConfig } from "../config/types.ts";
import type { AgentCounts, AgentStatus, WaitingReason } from "../protocol/commands.ts";
import type { AgentProcess } from "./agent-process.ts";
import type { OutputLog } from "./output-log.ts";
import type { RestartHistory } from "./restart-policy.ts";

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

export interface AgentRuntime {
  config: AgentConfig;
  status: AgentStatus;
  waitingReason: WaitingReason | null;
  /** Should be up: autostart, or started by a command; cleared by stop, completion or giving up. */
  wanted: boolean;
  process: AgentProcess | null;
  /** The exit of the current process is ours (stop/restart/shutdown), not the agent's doing. */
  stopRequested: boolean;
  /** The current run hit its timeout and was killed. */
  timedOut: boolean;
  restarts: number;
  history: RestartHistory;
  lastExitCode: number | null;
  /** Why the last start failed before the program ran (missing command, account refused); cleared by a start that works. */
  lastError: string | null;
  lastActivity: number | null;
  /** Next periodic run or backoff retry (ms). */
  nextRunAt: number | null;
  /** Backoff or next-run timer. */
  timer: Timer | null;
  runTimer: Timer | null;
  /** periodic: runs finished in the current schedule. */
  runsDone: number;
  /** periodic: a run fell due while one was going and overlap is "queue" or "kill": it runs next. */
  overlapQueued: boolean;
  executions: ExecutionStats;
  log: OutputLog;
}

export function createRuntime(config: AgentConfig, log: OutputLog): AgentRuntime {
  return {
    config,
    status: "stopped",
    waitingReason: null,
    wanted: false,
    process: null,
    stopRequested: false,
    timedOut: false,
    restarts: 0,
    history: { exitTimes: [], fastExits: 0 },
    lastExitCode: null,
    lastError: null,
    lastActivity: null,
    nextRunAt: null,
    timer: null,
    runTimer: null,
    runsDone: 0,
    overlapQueued: false,
    executions: { runs: 0, failures: 0, totalDurationMs: 0, recentDurationsMs: [] },
    log,
  };
}

/** Active = has a process or a pending start/run; the opposite of stopped, completed and failed. */
export function isActive(runtime: AgentRuntime): boolean {
  return runtime.status !== "stopped" && runtime.status !== "completed" && runtime.status !== "failed";
}

export function clearTimers(runtime: AgentRuntime): void {
  if (runtime.timer) clearTimeout(runtime.timer);
  if (runtime.runTimer) clearTimeout(runtime.runTimer);
  runtime.timer = null;
  runtime.runTimer = null;
  runtime.nextRunAt = null;
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
