// The one vocabulary of both sides: every command's arguments and answer data.
// JSON keys are the user's (snake_case, as the reference document shows them).

import type { AgentKind, AgentStatus, DependencyCondition, DependencyEdge, WaitingReason } from "./agents.ts";
import type { HistoryArgs, HistoryData, HistoryStatsData } from "./history.ts";
import type { LogsArgs, LogsData } from "./logs.ts";
import type { ReportData, StatsArgs, StatsData, StatsWatchFrame } from "./reports.ts";

export interface PsAgent {
  name: string;
  status: AgentStatus;
  pid: number | null;
  /** "-" (and the numeric twin null) when the agent has no process: figures of a process, none to give. */
  uptime: string;
  uptime_seconds: number | null;
  kind: AgentKind;
  waiting_reason: WaitingReason | null;
  /** For `queued`: 1 = starts at the next free worker slot. */
  queue_position: number | null;
  restarts: number;
  next_run: string | null;
  /** The last STATUS= a notify agent sent in its current run (`ps --wide` shows it). */
  status_text: string | null;
  /** The groups `@name` selects it by (`groups = [...]`). */
  groups: string[];
}

export interface PsData {
  agents: PsAgent[];
}

export interface StartData {
  agent: string;
  action: "started";
  pid: number | null;
  status: AgentStatus;
  waiting_reason: WaitingReason | null;
  queue_position: number | null;
  also_started: string[];
}

export interface StopData {
  agent: string;
  action: "stopped";
  graceful_shutdown: boolean;
}

export interface RestartData {
  agent: string;
  action: "restarted";
  pid: number | null;
  status: AgentStatus;
}

/**
 * Frames of `run`: `run_started` at once (the run is spawned, or waits in the start queue); with
 * `wait`, `run_finished` when that run has ended.
 */
export type RunFrame =
  | {
      agent: string;
      action: "run_started";
      pid: number | null;
      status: AgentStatus;
      waiting_reason: WaitingReason | null;
      queue_position: number | null;
    }
  | {
      agent: string;
      action: "run_finished";
      /** completed (exit 0), failed, timeout (killed at `timeout`), or stopped (by a stop, a reload or shutdown). */
      outcome: "completed" | "failed" | "timeout" | "stopped";
      pid: number | null;
      exit_code: number | null;
      signal: string | null;
      duration_ms: number | null;
    };

/** What became of one agent in a command on several (`stop @web`, `start A B`, `restart all`). */
export interface AgentOutcome {
  agent: string;
  /** false: `error` says why; `already running`/`already stopped` are no failure. */
  ok: boolean;
  outcome: "started" | "already running" | "stopped" | "already stopped" | "restarted" | "run started" | "failed";
  pid: number | null;
  status: AgentStatus;
  graceful_shutdown?: boolean;
  error?: { code: string; message: string };
}

/** start/stop/restart/run of several agents: each one's outcome, in the order acted on; `failed` counts the failures (exit 1). */
export interface ManyAgentsData {
  action: "started" | "stopped" | "restarted" | "run";
  agents: AgentOutcome[];
  failed: number;
}

/** `scale AGENT N`: the new and former number of copies, and the copies started or stopped. */
export interface ScaleData {
  agent: string;
  instances: number;
  previous: number;
  started: string[];
  stopped: string[];
}

export interface DependencyState {
  agent: string;
  condition: DependencyCondition;
  satisfied: boolean;
}

export interface AgentStatusData {
  name: string;
  kind: AgentKind;
  status: AgentStatus;
  waiting_reason: WaitingReason | null;
  queue_position: number | null;
  pid: number | null;
  uptime: string;
  uptime_seconds: number | null;
  /** Without a process: "-", and memory_bytes, cpu_percent (like uptime_seconds) null. */
  memory_usage: string;
  memory_bytes: number | null;
  cpu_usage: string;
  cpu_percent: number | null;
  last_activity: string | null;
  configuration: Record<string, unknown>;
  depends_on: DependencyState[];
  restarts: number;
  last_exit_code: number | null;
  /** Why the last start failed, or why serve ended the last run (watchdog); null once a run is up. */
  last_error: string | null;
  /** The last STATUS= a notify agent sent in its current run; null for others. */
  status_text: string | null;
  /** The groups `@name` selects it by. */
  groups: string[];
  next_run: string | null;
  /** The ready and alive checks: null for a check the agent does not have. */
  health: { ready: HealthCheckView | null; alive: HealthCheckView | null };
}

export interface HealthCheckView {
  /** null until the first result decides. */
  healthy: boolean | null;
  consecutive_failures: number;
  last_result: { ok: boolean; message: string; at: string } | null;
}

export interface OrchestratorStatusData {
  name: string;
  version: string;
  pid: number;
  uptime: string;
  uptime_seconds: number;
  total_agents: number;
  running_agents: number;
  waiting_agents: number;
  failed_agents: number;
  max_workers: number;
  command_interface_enabled: boolean;
  command_socket_path: string;
}

/** `dependencies`: every agent's providers ([] when none), the start order, and each edge's state now. */
export interface DependenciesData {
  dependencies: Record<string, string[]>;
  order: string[];
  edges: DependencyEdge[];
}

/** Frames of the shutdown stream, in order: initiated, one per agent stopped, complete. */
export type ShutdownFrame =
  | { action: "shutdown_initiated"; agents_to_stop: number; estimated_time: string; estimated_seconds: number }
  | { action: "agent_stopped"; agent: string; graceful_shutdown: boolean }
  | { action: "shutdown_complete"; agents_stopped: number; all_graceful: boolean };

/** What a reload did, by agent name; settings the file changed that need a restart of serve. */
export interface ReloadData {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  requires_restart: string[];
}

type NoArgs = Record<string, never>;

/** command name → its args and the data of a success answer (for streams: of each frame). */
export interface CommandMap {
  ps: { args: NoArgs; data: PsData };
  /** `agent` may name several: "A,B", "all", "@group" — then the data is ManyAgentsData. */
  start: { args: { agent: string }; data: StartData | ManyAgentsData };
  stop: { args: { agent: string }; data: StopData | ManyAgentsData };
  restart: { args: { agent: string }; data: RestartData | ManyAgentsData };
  scale: { args: { agent: string; instances: number }; data: ScaleData };
  /** With `wait` (one agent only), a stream: run_started, then run_finished. */
  run: { args: { agent: string; wait?: boolean }; data: RunFrame | ManyAgentsData };
  status: { args: { agent?: string }; data: AgentStatusData | OrchestratorStatusData };
  /** Plain `stats` answers StatsData; `stats --watch` streams StatsWatchFrame. */
  stats: { args: StatsArgs; data: StatsData | StatsWatchFrame };
  report: { args: NoArgs; data: ReportData };
  shutdown: { args: NoArgs; data: ShutdownFrame };
  reload: { args: NoArgs; data: ReloadData };
  dependencies: { args: NoArgs; data: DependenciesData };
  /** With `follow`, the first answer and then frames of new events (same shape). */
  history: { args: HistoryArgs; data: HistoryData };
  "history-stats": { args: { agent?: string }; data: HistoryStatsData };
  /** With `follow`, the first answer (the last lines) and then frames of new lines (same shape). */
  logs: { args: LogsArgs; data: LogsData };
}

export type CommandName = keyof CommandMap;
export type ArgsOf<C extends CommandName> = CommandMap[C]["args"];
export type DataOf<C extends CommandName> = CommandMap[C]["data"];

/** The list as given, accepted only when it names every command: a missing one fails to compile, by name. */
const everyCommand = <const L extends readonly CommandName[]>(
  list: L & ([Exclude<CommandName, L[number]>] extends [never] ? unknown : { missing: Exclude<CommandName, L[number]> }),
): L => list;

/** Every command, in the order UNKNOWN_COMMAND answers and config errors list them. */
export const COMMAND_NAMES = everyCommand([
  "ps",
  "start",
  "stop",
  "restart",
  "run",
  "scale",
  "status",
  "stats",
  "report",
  "shutdown",
  "reload",
  "dependencies",
  "history",
  "history-stats",
  "logs",
]);

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}
