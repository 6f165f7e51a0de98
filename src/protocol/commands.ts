// The one vocabulary of both sides: every command's arguments and answer data.
// JSON keys are the user's (snake_case, as the reference document shows them).

export type AgentStatus =
  | "waiting"
  | "starting"
  | "running"
  | "stopping"
  | "stopped"
  | "completed"
  | "failed"
  | "backoff";

export type AgentKind = "looping" | "oneshot" | "periodic";

/** Why a `waiting` agent is not running: its dependencies, a worker slot, or its next periodic run. */
export type WaitingReason = "dependencies" | "queued" | "next_run";

export type DependencyCondition = "started" | "completed" | "ready";

export interface PsAgent {
  name: string;
  status: AgentStatus;
  pid: number | null;
  uptime: string;
  uptime_seconds: number;
  kind: AgentKind;
  waiting_reason: WaitingReason | null;
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
  next_run: string | null;
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

export interface DependencyEdge {
  from: string;
  to: string;
  condition: DependencyCondition;
  satisfied: boolean;
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
  executions: { runs: number; failures: number; average_duration_ms: number };
  events: {
    total: number;
    by_type: Record<string, number>;
    by_severity: Record<string, number>;
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

type NoArgs = Record<string, never>;

/** command name → its args and the data of a success answer (for streams: of each frame). */
export interface CommandMap {
  ps: { args: NoArgs; data: PsData };
  start: { args: { agent: string }; data: StartData };
  stop: { args: { agent: string }; data: StopData };
  restart: { args: { agent: string }; data: RestartData };
  status: { args: { agent?: string }; data: AgentStatusData | OrchestratorStatusData };
  stats: { args: NoArgs; data: StatsData };
  report: { args: NoArgs; data: ReportData };
  shutdown: { args: NoArgs; data: ShutdownFrame };
  reload: { args: NoArgs; data: ReloadData };
}

export type CommandName = keyof CommandMap;
export type ArgsOf<C extends CommandName> = CommandMap[C]["args"];
export type DataOf<C extends CommandName> = CommandMap[C]["data"];

export const COMMAND_NAMES = [
  "ps",
  "start",
  "stop",
  "restart",
  "status",
  "stats",
  "report",
  "shutdown",
  "reload",
] as const satisfies readonly CommandName[];

/** Commands that change agents or the orchestrator; refused while a shutdown is under way. */
export const CHANGING_COMMANDS: ReadonlySet<string> = new Set(["start", "stop", "restart", "shutdown", "reload"]);

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/** Agent names, as config and wire arguments both require them. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
