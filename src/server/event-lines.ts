// Orchestrator events → serve's log lines, naming agent, pid and exit code.

import type { OrchestratorEvent } from "../orchestrator/events.ts";
import type { Logger } from "./logger.ts";

function agents(count: unknown): string {
  return count === 1 ? "1 agent" : `${String(count)} agents`;
}

function seconds(ms: unknown): string {
  return typeof ms === "number" ? `${(ms / 1000).toFixed(1)}s` : "?";
}

function exitText(details: Record<string, unknown>): string {
  if (typeof details.signal === "string") return `signal ${details.signal}`;
  return `code ${String(details.exit_code)}`;
}

function reloadSummary(details: Record<string, unknown>): string {
  const names = (key: string) => (Array.isArray(details[key]) ? (details[key] as string[]) : []);
  const parts = ["added", "removed", "changed"].filter((key) => names(key).length > 0).map((key) => `${key} ${names(key).join(", ")}`);
  parts.push(`${names("unchanged").length} unchanged`);
  return parts.join("; ");
}

export function logEvent(log: Logger, event: OrchestratorEvent): void {
  const { agent, details } = event;
  const fields = { agent: agent ?? undefined, ...details };
  switch (event.type) {
    case "AGENT_STARTED":
      return log.info(`${agent} started (pid ${String(details.pid)})`, fields);
    case "EXECUTION_STARTED":
      return log.info(`${agent} run ${String(details.run)} started (pid ${String(details.pid)})`, fields);
    case "AGENT_EXITED":
      if (typeof details.error === "string") return log.warn(`${agent} could not start: ${details.error}`, fields);
      return (details.exit_code === 0 ? log.info : log.warn)(`${agent} exited (${exitText(details)}) after ${seconds(details.ran_ms)}`, fields);
    case "AGENT_BACKOFF":
      return log.warn(`${agent} restarting in ${seconds(details.delay_ms)} (attempt ${String(details.attempt)})`, fields);
    case "AGENT_RESTARTED":
      return log.info(`${agent} restarting (${String(details.reason)})`, fields);
    case "AGENT_COMPLETED":
      return log.success(`${agent} completed`, fields);
    case "AGENT_FAILED":
      if (typeof details.error === "string") return log.error(`${agent} failed: could not start: ${details.error}`, fields);
      return log.error(`${agent} failed${typeof details.reason === "string" ? `: ${details.reason}` : ` (${exitText(details)})`}`, fields);
    case "AGENT_STOPPED":
      return log.info(`${agent} stopped${details.graceful_shutdown === false ? " (killed with SIGKILL after stop_timeout)" : ""}`, fields);
    case "EXECUTION_COMPLETED":
      return log.info(`${agent} run ${String(details.run)} completed in ${seconds(details.ran_ms)}`, fields);
    case "EXECUTION_FAILED":
      if (typeof details.error === "string") return log.warn(`${agent} run ${String(details.run)} could not start: ${details.error}`, fields);
      return log.warn(`${agent} run ${String(details.run)} failed (${exitText(details)})`, fields);
    case "EXECUTION_TIMEOUT":
      return log.warn(`${agent} run ${String(details.run)} timed out and was killed`, fields);
    case "EXECUTION_SKIPPED":
      return log.warn(`${agent} run skipped: ${String(details.reason)}`, fields);
    case "COMMAND_REJECTED":
      return log.warn(`command rejected: ${String(details.command ?? details.reason)} (${String(details.error_code)})`, fields);
    case "COMMAND_EXECUTED":
      return; // the audit trail is in history; read-only commands would drown the log
    case "ORCHESTRATOR_STARTED":
      return log.info(`orchestrator '${String(details.name)}' started (pid ${String(details.pid)}, ${agents(details.agents)})`, fields);
    case "ORCHESTRATOR_RELOADED":
      return log.info(`configuration reloaded: ${reloadSummary(details)}`, fields);
    case "SHUTDOWN_INITIATED":
      return log.info(`shutting down: stopping ${agents(details.agents_to_stop)} in dependency order`, fields);
    case "SHUTDOWN_COMPLETED":
      return log.success("shutdown complete", fields);
  }
}
