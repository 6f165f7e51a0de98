// `stats` (and `stats --watch`) and `report`: what they measure and answer.

import type { HistoryEvent } from "./events.ts";
import type { AgentCounts, AgentStatus, DependencyEdge, WaitingReason } from "./agents.ts";
import type { CapacityInfo } from "./history.ts";

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
  /** Without a process: "-", and cpu_percent, memory_bytes, uptime_seconds null. */
  cpu_usage: string;
  cpu_percent: number | null;
  memory_usage: string;
  memory_bytes: number | null;
  restarts: number;
  uptime: string;
  uptime_seconds: number | null;
}

/** `stats`: one answer; with `watch`, one frame every `interval` seconds until the client closes. */
export interface StatsArgs {
  watch?: boolean;
  interval?: number;
}

/** Bounds of `stats --watch --interval`, in seconds; checked by the client and again by the server. */
export const STATS_WATCH_INTERVAL = { default: 2, min: 0.5, max: 3600 } as const;

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
    /** "-" and null without a process. */
    memory_usage: string;
    memory_bytes: number | null;
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

/** `report` executions of one periodic agent; p95 over its most recent runs. */
export interface AgentExecutions {
  agent: string;
  runs: number;
  failures: number;
  average_duration_ms: number;
  p95_duration_ms: number;
}
