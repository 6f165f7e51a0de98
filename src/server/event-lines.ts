// Orchestrator events → serve's log lines, naming agent, pid and exit code; with
// `--log-format json` the same facts as fields (agent, pid, exit_code on every agent event).

import type { OrchestratorEvent } from "../orchestrator/events.ts";
import type { LogFields, Logger } from "./logger.ts";
import { formatBytes, formatDuration } from "../protocol/format.ts";

type Details = Record<string, unknown>;

function agents(count: unknown): string {
  return count === 1 ? "1 agent" : `${String(count)} agents`;
}

/** "4ms" below a second, else "1.2s"; "?" when the event has no figure. */
function seconds(ms: unknown): string {
  return typeof ms === "number" ? formatDuration(ms) : "?";
}

function runs(count: number): string {
  return count === 1 ? "1 run" : `${count} runs`;
}

function pid(details: Details): string {
  return typeof details.pid === "number" ? `pid ${details.pid}` : "no pid";
}

/** Ended by a signal rather than by exiting with a code. */
function signalOf(details: Details): string | null {
  return typeof details.signal === "string" ? details.signal : null;
}

/** `pid 9570, code 1` or `pid 9570, signal SIGKILL`. */
function pidAndOutcome(details: Details): string {
  const signal = signalOf(details);
  return `${pid(details)}, ${signal === null ? `code ${String(details.exit_code)}` : `signal ${signal}`}`;
}

function reloadSummary(details: Details): string {
  const names = (key: string) => (Array.isArray(details[key]) ? (details[key] as string[]) : []);
  const parts = ["added", "removed", "changed"].filter((key) => names(key).length > 0).map((key) => `${key} ${names(key).join(", ")}`);
  parts.push(`${names("unchanged").length} unchanged`);
  return parts.join("; ");
}

/**
 * The JSON fields of an event: agent events always carry agent, pid and exit_code (null when
 * there is none), so `jq 'select(.agent == "X") | .exit_code'` needs no guesswork.
 */
function fieldsOf(event: OrchestratorEvent): LogFields {
  const { agent, details } = event;
  if (event.category !== "AGENT" && event.category !== "EXECUTION") return { event: event.type, agent: agent ?? undefined, ...details };
  const exitCode = details.exit_code ?? details.last_exit_code ?? null;
  return { event: event.type, agent, pid: details.pid ?? null, exit_code: exitCode, ...details };
}

function exitedLine(agent: string, details: Details): string {
  const signal = signalOf(details);
  if (signal !== null) return `${agent} killed by signal ${signal} (${pid(details)}) after ${seconds(details.ran_ms)}`;
  return `${agent} exited (${pidAndOutcome(details)}) after ${seconds(details.ran_ms)}`;
}

function failedLine(agent: string, details: Details): string {
  if (typeof details.error === "string") return `${agent} failed: could not start: ${details.error}`;
  if (typeof details.runs === "number") return `${agent} failed (${runs(details.runs)}, last exit code ${String(details.last_exit_code)})`;
  if (details.timeout !== undefined) return `${agent} failed: timed out after ${String(details.timeout)}s and was killed (${pidAndOutcome(details)})`;
  if (typeof details.reason === "string") return `${agent} failed: ${details.reason} (${pidAndOutcome(details)})`;
  const signal = signalOf(details);
  if (signal !== null) return `${agent} failed: killed by signal ${signal} (${pid(details)}) after ${seconds(details.ran_ms)}`;
  return `${agent} failed (${pidAndOutcome(details)}) after ${seconds(details.ran_ms)}`;
}

function completedLine(agent: string, details: Details): string {
  if (typeof details.runs === "number") return `${agent} completed (${runs(details.runs)}, last exit code ${String(details.last_exit_code)})`;
  return `${agent} completed (${pidAndOutcome(details)}) in ${seconds(details.ran_ms)}`;
}

function stoppedLine(agent: string, details: Details): string {
  if (typeof details.pid !== "number") return `${agent} stopped (no process was running)`;
  if (details.graceful_shutdown === false) return `${agent} stopped (${pid(details)}, killed with SIGKILL after stop_timeout)`;
  // Ended by its own stop signal: the expected way, nothing to add (the JSON line has the signal).
  if (signalOf(details) !== null) return `${agent} stopped (${pid(details)})`;
  return `${agent} stopped (${pid(details)}, code ${String(details.exit_code)})`;
}

function runFailedLine(agent: string, run: string, details: Details): string {
  if (typeof details.error === "string") return `${agent} run ${run} could not start: ${details.error}`;
  const signal = signalOf(details);
  if (signal !== null) return `${agent} run ${run} (${pid(details)}) killed by signal ${signal} after ${seconds(details.ran_ms)}`;
  return `${agent} run ${run} (${pid(details)}) failed with code ${String(details.exit_code)} after ${seconds(details.ran_ms)}`;
}

export function logEvent(log: Logger, event: OrchestratorEvent): void {
  const { details } = event;
  const agent = event.agent ?? "?";
  const run = details.manual === true ? "(manual)" : String(details.run);
  const fields = fieldsOf(event);
  switch (event.type) {
    case "AGENT_STARTED":
      log.info(`${agent} started (${pid(details)})`, fields);
      return;
    case "EXECUTION_STARTED":
      log.info(`${agent} run ${run} started (${pid(details)})`, fields);
      return;
    case "AGENT_EXITED":
      if (typeof details.error === "string") {
        log.warn(`${agent} could not start: ${details.error}`, fields);
        return;
      }
      (details.exit_code === 0 ? log.info : log.warn)(exitedLine(agent, details), fields);
      return;
    case "AGENT_BACKOFF":
      log.warn(`${agent} restarting in ${seconds(details.delay_ms)} (attempt ${String(details.attempt)})`, fields);
      return;
    case "AGENT_RESTARTED":
      log.info(`${agent} restarting (${String(details.reason)})`, fields);
      return;
    case "AGENT_COMPLETED":
      log.success(completedLine(agent, details), fields);
      return;
    case "AGENT_FAILED":
      log.error(failedLine(agent, details), fields);
      return;
    case "AGENT_STOPPED":
      (details.graceful_shutdown === false ? log.warn : log.info)(stoppedLine(agent, details), fields);
      return;
    case "EXECUTION_COMPLETED":
      log.info(`${agent} run ${run} (${pid(details)}) completed in ${seconds(details.ran_ms)}`, fields);
      return;
    case "EXECUTION_FAILED":
      log.warn(runFailedLine(agent, run, details), fields);
      return;
    case "EXECUTION_TIMEOUT":
      log.warn(`${agent} run ${run} (${pidAndOutcome(details)}) timed out after ${seconds(details.ran_ms)} and was killed`, fields);
      return;
    case "EXECUTION_SKIPPED":
      log.warn(`${agent} run skipped: ${String(details.reason)}`, fields);
      return;
    case "EXECUTION_QUEUED":
      log.info(
        `${agent} run due while pid ${String(details.running_pid)} is still going: ${details.overlap === "kill" ? "ending it, then running" : "runs when it ends"}`,
        fields,
      );
      return;
    case "AGENT_READY":
      log.info(`${agent} ready (${pid(details)}; ${String(details.check)})`, fields);
      return;
    case "AGENT_NOT_READY":
      log.warn(`${agent} no longer ready (${pid(details)}; ${String(details.check)})`, fields);
      return;
    case "AGENT_UNHEALTHY":
      log.warn(`${agent} failed its liveness check ${String(details.failures)} times (${pid(details)}; ${String(details.check)}): restarting`, fields);
      return;
    case "AGENT_MEMORY_LIMIT":
      log.warn(
        `${agent} uses ${formatBytes(Number(details.rss_bytes))}, over max_memory ${formatBytes(Number(details.max_memory))} (${pid(details)}): restarting`,
        fields,
      );
      return;
    case "AGENT_WATCHDOG":
      log.warn(`${agent} sent no WATCHDOG=1 for ${String(details.watchdog_seconds)}s (${pid(details)}): restarting`, fields);
      return;
    case "AGENT_SCALED":
      log.info(`${agent} scaled from ${String(details.previous)} to ${String(details.instances)} copies`, fields);
      return;
    case "AGENT_STOPPING":
      log.info(`${agent} says it is stopping (${pid(details)}; STOPPING=1)`, fields);
      return;
    case "COMMAND_REJECTED":
      log.warn(`command rejected: ${String(details.command ?? details.reason)} (${String(details.error_code)})`, fields);
      return;
    case "COMMAND_EXECUTED":
      return; // the audit trail is in history; read-only commands would drown the log
    case "ORCHESTRATOR_STARTED":
      log.info(`orchestrator '${String(details.name)}' started (pid ${String(details.pid)}, ${agents(details.agents)})`, fields);
      return;
    case "ORCHESTRATOR_RELOADED":
      log.info(`configuration reloaded: ${reloadSummary(details)}`, fields);
      return;
    case "SHUTDOWN_INITIATED":
      log.info(`shutting down: stopping ${agents(details.agents_to_stop)} in dependency order`, fields);
      return;
    case "SHUTDOWN_COMPLETED":
      log.success("shutdown complete", fields);
      return;
  }
}
