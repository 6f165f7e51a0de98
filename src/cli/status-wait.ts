// `status --wait`: what a script runs right after starting serve or an agent, instead of a
// sleep-and-retry loop. Without an agent it waits for the orchestrator to answer; with one, for
// the agent to be up. --timeout bounds the whole wait.

import type { AgentStatusData, OrchestratorStatusData } from "../protocol/commands.ts";
import { type Envelope, failure } from "../protocol/envelope.ts";
import type { ClientOptions } from "./args.ts";
import { requestOrFailure } from "./run.ts";

type StatusEnvelope = Envelope<AgentStatusData | OrchestratorStatusData>;

/** Between two tries: quick enough for a script, a rounding error of serve's time. */
const POLL_MS = 100;

/** Connection errors that mean "not up yet": no socket yet, or the stale one a new serve will replace. */
const NOT_YET = new Set(["ENOENT", "ECONNREFUSED"]);

/**
 * Whether the agent is up as a dependent would see it: `running` (past its ready check),
 * `completed`, or a periodic agent between runs. `down` will not change without a command.
 */
export function agentReadiness(data: Pick<AgentStatusData, "status" | "kind" | "waiting_reason">): "up" | "down" | "pending" {
  switch (data.status) {
    case "running":
    case "completed":
      return "up";
    case "waiting":
      return data.kind === "periodic" && data.waiting_reason === "next_run" ? "up" : "pending";
    case "failed":
    case "stopped":
    case "stopping":
      return "down";
    default:
      // starting (ready check pending) and backoff (a retry is due) may still come up.
      return "pending";
  }
}

/** The status answer once the wait is over: up, or the error that ended it. */
export async function waitForStatus(options: ClientOptions, agent: string | undefined): Promise<StatusEnvelope> {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  const waited = () => `${Math.round((Date.now() - startedAt) / 100) / 10}s`;
  for (;;) {
    const tryOptions = { ...options, timeoutMs: Math.max(deadline - Date.now(), POLL_MS) };
    const envelope: StatusEnvelope = await requestOrFailure(tryOptions, "status", agent === undefined ? {} : { agent });
    if (envelope.status === "error") {
      const errno = envelope.error.details?.errno;
      const notYet = envelope.error.code === "SOCKET_CONNECTION_ERROR" && typeof errno === "string" && NOT_YET.has(errno);
      if (!notYet || Date.now() + POLL_MS > deadline) return envelope;
    } else {
      if (agent === undefined) return envelope;
      const data = envelope.data as AgentStatusData;
      const readiness = agentReadiness(data);
      if (readiness === "up") return envelope;
      if (readiness === "down") {
        return failure(null, {
          code: "AGENT_NOT_RUNNING",
          message: `Agent '${agent}' is ${data.status}: it will not come up without a start`,
          details: { agent, status: data.status, last_exit_code: data.last_exit_code, last_error: data.last_error },
        });
      }
      if (Date.now() + POLL_MS > deadline) {
        return failure(null, {
          code: "COMMAND_TIMEOUT",
          message: `Agent '${agent}' is not up after ${waited()} (status: ${data.status})`,
          details: { agent, status: data.status, waiting_reason: data.waiting_reason, timeout_seconds: options.timeoutMs / 1000 },
        });
      }
    }
    await Bun.sleep(POLL_MS);
  }
}
