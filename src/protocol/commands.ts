// The one vocabulary of both sides: every command's arguments and answer data.
// JSON keys are the user's (snake_case, as the reference document shows them).

import type { EventCategory, EventSeverity, EventType, HistoryEvent } from "./events.ts";

// For importers not yet pointed at events.ts (test/e2e/*.test.ts are others' files for now).
export type { EventType, HistoryEvent } from "./events.ts";

export type AgentStatus =
  | "waiting"
  | "starting"
  | "running"
  | "stopping"
  | "stopped"
  | "completed"
  | "failed"
  | "backoff";

/** The kinds of agent; config's `kind` takes these. */
export const AGENT_KINDS = ["looping", "oneshot", "periodic"] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

/** Why a `waiting` agent is not running: its dependencies, a worker slot, or its next periodic run. */
export type WaitingReason = "dependencies" | "queued" | "next_run";

/** What a `depends_on` edge waits for; config's `depends_on = { X = "…" }` takes these. */
export const DEPENDENCY_CONDITIONS = ["started", "completed", "ready"] as const;
export type DependencyCondition = (typeof DEPENDENCY_CONDITIONS)[number];

export interface PsAgent {
  name: string;
  status: AgentStatus;
  pid: number | null;
  uptime: string;
  uptime_seconds: number;
  kind: AgentKind;
  waiting_reason: WaitingReason | null;
  /** For `queued`: 1 = starts at the next free worker slot. */
  queue_position: number | null;
  restarts: number;
  next_run: string | null;
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
  uptime_seconds: number;
  memory_usage: string;
  memory_bytes: number;
  cpu_usage: string;
  cpu_percent: number;
  last_activity: string | null;
  configuration: Record<string, unknown>;
  depends_on: DependencyState[];
  restarts: number;
  last_exit_code: number | null;
  /** Why the last start failed before the program ran; null once a start works. */
  last_error: string | null;
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

export interface AgentCounts {
  total_agents: number;
  running_agents: number;
  waiting_agents: number;
  failed_agents: number;
}

export interface StatsData {
  orchestrator: AgentCounts & { uptime: string; uptime_seconds: number };
  system: {
    memory_usage: string;
    memory_bytes: number;
    cpu_usage: string;
    cpu_percent: number;
    open_files: number;
  };
  dependencies: { total_dependencies: number; satisfied: number; unsatisfied: number };
}

/** A `stats --watch` frame: the stats, plus each agent's share from the same batch sample. */
export interface StatsWatchFrame extends StatsData {
  agents: StatsAgent[];
}

/** One agent in a `stats --watch` frame. */
export interface StatsAgent {
  name: string;
  status: AgentStatus;
  waiting_reason: WaitingReason | null;
  queue_position: number | null;
  next_run: string | null;
  pid: number | null;
  cpu_usage: string;
  cpu_percent: number;
  memory_usage: string;
  memory_bytes: number;
  restarts: number;
  uptime: string;
  uptime_seconds: number;
}

/** `stats`: one answer; with `watch`, one frame every `interval` seconds until the client closes. */
export interface StatsArgs {
  watch?: boolean;
  interval?: number;
}

/** Bounds of `stats --watch --interval`, in seconds; checked by the client and again by the server. */
export const STATS_WATCH_INTERVAL = { default: 2, min: 0.5, max: 3600 } as const;

export interface DependencyEdge {
  from: string;
  to: string;
  condition: DependencyCondition;
  satisfied: boolean;
}

/** `dependencies`: every agent's providers ([] when none), the start order, and each edge's state now. */
export interface DependenciesData {
  dependencies: Record<string, string[]>;
  order: string[];
  edges: DependencyEdge[];
}

export interface ReportData {
  generated: string;
  orchestrator: {
    name: string;
    version: string;
    pid: number;
    socket: string;
    uptime: string;
    uptime_seconds: number;
    config_path: string;
  };
  agents: Array<{
    name: string;
    pid: number | null;
    status: AgentStatus;
    memory_usage: string;
    memory_bytes: number;
  }>;
  system: {
    total_memory: string;
    total_memory_bytes: number;
    cpu_usage: string;
    cpu_percent: number;
    load_average: [number, number, number];
  };
  dependencies: { edges: DependencyEdge[]; all_satisfied: boolean };
  performance: {
    messages_processed: number;
    average_response_time_ms: number;
    error_rate: number;
  };
  /** by_agent: each periodic agent's runs. */
  executions: { runs: number; failures: number; average_duration_ms: number; by_agent: AgentExecutions[] };
  /** Over the event history (the journal); last_errors: the newest ERROR events, oldest first. */
  events: {
    total: number;
    by_type: Record<string, number>;
    by_severity: Record<string, number>;
    capacity_info: CapacityInfo;
    last_errors: HistoryEvent[];
  };
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

/** `history`: filters (all optional, combined with AND); `follow` streams new events after the first answer. */
export interface HistoryArgs {
  last?: number;
  agent?: string;
  type?: EventType;
  category?: EventCategory;
  after_seq?: number;
  follow?: boolean;
}

/** How full the event history is; `storage` is "journal" (events.db) or "memory" (journal unusable). */
export interface CapacityInfo {
  current_size: number;
  capacity: number;
  storage: "journal" | "memory";
}

export interface HistoryData {
  events: HistoryEvent[];
  count: number;
  filters: { last: number | null; agent: string | null; type: EventType | null; category: EventCategory | null; after_seq: number | null };
  capacity_info: CapacityInfo;
}

export interface HistoryStatsData {
  statistics: {
    /** Events kept that match the agent filter, by type, by severity and by category. */
    by_type: Partial<Record<EventType, number>>;
    by_severity: Partial<Record<EventSeverity, number>>;
    by_category: Partial<Record<EventCategory, number>>;
    total: number;
  };
  /** total_events: recorded since the journal began, including those dropped for capacity. */
  capacity_info: CapacityInfo & { total_events: number };
  agent_filter: string | null;
}

/** Bounds of `history` arguments, checked by the server. */
export const HISTORY_LIMITS = { maxLast: 10_000, followDefaultLast: 10 } as const;

/** `report` executions of one periodic agent; p95 over its most recent runs. */
export interface AgentExecutions {
  agent: string;
  runs: number;
  failures: number;
  average_duration_ms: number;
  p95_duration_ms: number;
}

/**
 * One line of an agent's output. `partial`: the line goes on in the stream's next entry (no
 * newline yet, or a piece of a line over 64 KiB while following); `truncated`: cut at 64 KiB.
 */
export interface LogLine {
  time: string;
  stream: "stdout" | "stderr";
  line: string;
  partial?: true;
  truncated?: true;
}

/** `logs`: the last `lines` lines (default 100), filtered; `follow` streams new ones after the first answer. */
export interface LogsArgs {
  agent: string;
  lines?: number;
  stream?: "stdout" | "stderr";
  /** ISO 8601 time, or a duration ago: `30s`, `10m`, `2h`, `1d`. */
  since?: string;
  follow?: boolean;
}

/** `limited`: older lines were left out to keep the answer within 4 MiB (or 16 MiB of log read). */
export interface LogsData {
  agent: string;
  lines: LogLine[];
  count: number;
  limited: boolean;
  filters: { lines: number; stream: "stdout" | "stderr" | null; since: string | null };
}

/** Bounds of `logs --lines`, checked by the server (the client checks only that it is a number). */
export const LOGS_LIMITS = { defaultLines: 100, maxLines: 10_000 } as const;

type NoArgs = Record<string, never>;

/** command name → its args and the data of a success answer (for streams: of each frame). */
export interface CommandMap {
  ps: { args: NoArgs; data: PsData };
  start: { args: { agent: string }; data: StartData };
  stop: { args: { agent: string }; data: StopData };
  restart: { args: { agent: string }; data: RestartData };
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

/** Agent names, as config and wire arguments both require them. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
