// What an agent's exit (or a failed spawn) means: restart now, back off, next periodic run,
// or done for good (completed or failed).

import type { ExitInfo } from "./agent-process.ts";
import type { NewEvent } from "./events.ts";
import type { PeriodicSchedule } from "./periodic.ts";
import { decideRestart } from "./restart-policy.ts";
import { type AgentRuntime, countRun } from "./runtime.ts";

/** What the supervisor lends exit handling. */
export interface ExitHooks {
  record(event: NewEvent): void;
  /** Queue the agent to start again (FIFO, within max_workers). */
  requeue(runtime: AgentRuntime): void;
  reconcile(): void;
  schedule: PeriodicSchedule;
}

/** Decides what an exit (or a failed spawn) means for the agent. */
export function settleExit(hooks: ExitHooks, runtime: AgentRuntime, info: ExitInfo & { pid?: number }, ranMs: number, spawnError?: string): void {
  const { config } = runtime;
  runtime.lastExitCode = info.status;
  const details: Record<string, unknown> = { pid: info.pid ?? null, exit_code: info.code, signal: info.signal, ran_ms: ranMs };
  if (spawnError !== undefined) details.error = spawnError;
  if (config.kind === "looping") return settleLooping(hooks, runtime, info, ranMs, details);
  const ok = info.status === 0 && !runtime.timedOut;
  countRun(runtime.executions, ranMs, ok);
  if (config.kind === "oneshot") {
    if (runtime.timedOut) details.timeout = config.timeout;
    finish(hooks, runtime, ok, details);
    return;
  }
  runtime.runsDone++;
  const type = runtime.timedOut ? "EXECUTION_TIMEOUT" : ok ? "EXECUTION_COMPLETED" : "EXECUTION_FAILED";
  hooks.record({ type, agent: config.name, severity: ok ? "INFO" : "WARNING", details: { ...details, run: runtime.runsDone } });
  if (config.limit !== -1 && runtime.runsDone >= config.limit) {
    hooks.schedule.cancel(runtime);
    finish(hooks, runtime, ok, { runs: runtime.runsDone, last_exit_code: info.status });
    return;
  }
  runtime.status = "waiting";
  runtime.waitingReason = "next_run";
  hooks.schedule.afterRun(runtime);
}

function settleLooping(hooks: ExitHooks, runtime: AgentRuntime, info: ExitInfo, ranMs: number, details: Record<string, unknown>): void {
  const name = runtime.config.name;
  hooks.record({ type: "AGENT_EXITED", agent: name, severity: info.status === 0 ? "INFO" : "WARNING", details });
  const decision = decideRestart(runtime.config, runtime.history, info.status, ranMs, Date.now());
  switch (decision.action) {
    case "none":
      finish(hooks, runtime, info.status === 0, details);
      return;
    case "give_up":
      finish(hooks, runtime, false, {
        ...details,
        reason: `crash loop: ${decision.exits} exits within ${decision.windowSeconds}s (max_restarts ${runtime.config.max_restarts})`,
      });
      return;
    case "now":
      runtime.restarts++;
      hooks.record({ type: "AGENT_RESTARTED", agent: name, severity: "INFO", details: { reason: "exited", ...details } });
      hooks.requeue(runtime);
      return;
    case "backoff": {
      runtime.status = "backoff";
      runtime.waitingReason = null;
      runtime.nextRunAt = Date.now() + decision.delayMs;
      hooks.record({
        type: "AGENT_BACKOFF",
        agent: name,
        severity: "WARNING",
        details: { delay_ms: decision.delayMs, attempt: runtime.history.fastExits, next_retry: new Date(runtime.nextRunAt).toISOString() },
      });
      runtime.timer = setTimeout(() => {
        runtime.timer = null;
        runtime.nextRunAt = null;
        runtime.restarts++;
        hooks.record({ type: "AGENT_RESTARTED", agent: name, severity: "INFO", details: { reason: "backoff elapsed" } });
        hooks.requeue(runtime);
        hooks.reconcile();
      }, decision.delayMs);
      return;
    }
  }
}

/** A start refused for a reason no retry can change (see LaunchRefusedError): failed at once. */
export function refuseStart(hooks: ExitHooks, runtime: AgentRuntime, error: string): void {
  runtime.lastExitCode = null;
  finish(hooks, runtime, false, { pid: null, error });
}

/** The agent is done for good: completed or failed. */
function finish(hooks: ExitHooks, runtime: AgentRuntime, ok: boolean, details: Record<string, unknown>): void {
  runtime.wanted = false;
  runtime.status = ok ? "completed" : "failed";
  runtime.waitingReason = null;
  runtime.nextRunAt = null;
  hooks.record({
    type: ok ? "AGENT_COMPLETED" : "AGENT_FAILED",
    agent: runtime.config.name,
    severity: ok ? "INFO" : "ERROR",
    details,
  });
}
