// Runtime state → wire shapes shared by several commands.

import type { HealthCheckConfig } from "../../config/types.ts";
import type { AgentStatusData, PsAgent } from "../../protocol/commands.ts";
import { formatBytes, formatPercent, formatUptime } from "../../protocol/format.ts";
import type { Orchestrator } from "../../orchestrator/orchestrator.ts";
import type { ProcessUsage } from "../../orchestrator/resources.ts";
import { edgeHolds } from "../../orchestrator/dependencies.ts";
import type { AgentRuntime } from "../../orchestrator/runtime.ts";

/** Seconds the agent's process has run; null when it has none. */
export function uptimeSeconds(runtime: AgentRuntime, now: number = Date.now()): number | null {
  return runtime.process ? Math.floor((now - runtime.process.startedAt) / 1000) : null;
}

/** What an agent without a process shows for a figure of its process. */
export const NO_PROCESS = "-";

/**
 * The process's memory and CPU, formatted and as numbers: `"-"` and nulls when there is no
 * process (no figures to give, rather than a zero that reads as a measurement).
 */
export function processUsage(
  pid: number | null,
  usage: ProcessUsage,
): { memory_usage: string; memory_bytes: number | null; cpu_usage: string; cpu_percent: number | null } {
  if (pid === null) return { memory_usage: NO_PROCESS, memory_bytes: null, cpu_usage: NO_PROCESS, cpu_percent: null };
  return {
    memory_usage: formatBytes(usage.memoryBytes),
    memory_bytes: usage.memoryBytes,
    cpu_usage: formatPercent(usage.cpuPercent),
    cpu_percent: Math.round(usage.cpuPercent * 10) / 10,
  };
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `positions`: from Orchestrator.queuePositions(), taken once per answer. */
export function psAgent(runtime: AgentRuntime, now: number, positions: ReadonlyMap<AgentRuntime, number>): PsAgent {
  const seconds = uptimeSeconds(runtime, now);
  return {
    name: runtime.config.name,
    status: runtime.status,
    pid: runtime.process?.pid ?? null,
    uptime: seconds === null ? NO_PROCESS : formatUptime(seconds),
    uptime_seconds: seconds,
    kind: runtime.config.kind,
    waiting_reason: runtime.status === "waiting" ? runtime.waitingReason : null,
    queue_position: positions.get(runtime) ?? null,
    restarts: runtime.restarts,
    next_run: isoOrNull(runtime.nextRunAt),
    status_text: runtime.statusText,
    groups: runtime.config.groups,
  };
}

/** A check as the config wrote it: a log pattern's text, not the RegExp validation compiled. */
function asWritten(check: HealthCheckConfig): Record<string, unknown> {
  if (check.target.kind !== "log") return { ...check };
  return { ...check, target: { kind: "log", pattern: check.target.pattern } };
}

/** The settings that matter for this agent's kind, as `status` shows them under Configuration. */
export function agentConfiguration(runtime: AgentRuntime): Record<string, unknown> {
  const { config } = runtime;
  const shared = { kind: config.kind, command: config.command, autostart: config.autostart };
  const stop = { stop_signal: config.stop_signal, stop_timeout: config.stop_timeout };
  switch (config.kind) {
    case "periodic":
      return {
        ...(config.schedule === null ? { execution_interval: config.execution_interval } : { schedule: config.schedule }),
        timeout: config.timeout,
        limit: config.limit,
        delay_compensation: config.delay_compensation,
        jitter: config.jitter,
        overlap: config.overlap,
        ...shared,
        ...stop,
      };
    case "oneshot":
      return { timeout: config.timeout, ...shared, ...stop };
    case "looping":
      return {
        restart: config.restart,
        max_restarts: config.max_restarts,
        restart_window: config.restart_window,
        ...(config.ready ? { ready: asWritten(config.ready) } : {}),
        ...(config.alive ? { alive: asWritten(config.alive) } : {}),
        ...shared,
        ...stop,
      };
  }
}

export function agentStatus(orchestrator: Orchestrator, runtime: AgentRuntime, usage: ProcessUsage): AgentStatusData {
  const base = psAgent(runtime, Date.now(), orchestrator.queuePositions());
  return {
    name: base.name,
    kind: base.kind,
    status: base.status,
    waiting_reason: base.waiting_reason,
    queue_position: base.queue_position,
    pid: base.pid,
    uptime: base.uptime,
    uptime_seconds: base.uptime_seconds,
    ...processUsage(base.pid, usage),
    last_activity: isoOrNull(runtime.lastActivity),
    configuration: agentConfiguration(runtime),
    depends_on: Object.entries(runtime.config.depends_on).map(([agent, condition]) => ({
      agent,
      condition,
      satisfied: edgeHolds(condition, orchestrator.family(agent)),
    })),
    restarts: base.restarts,
    last_exit_code: runtime.lastExitCode,
    last_error: runtime.lastError,
    status_text: runtime.statusText,
    groups: runtime.config.groups,
    next_run: base.next_run,
    health: orchestrator.healthOf(runtime),
  };
}
