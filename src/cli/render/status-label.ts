// An agent's status in words: why it waits, when it runs or retries next.

import type { AgentStatus, WaitingReason } from "../../protocol/agents.ts";

export interface StatusFacts {
  status: AgentStatus;
  waiting_reason: WaitingReason | null;
  queue_position: number | null;
  next_run: string | null;
}

/** Local time of day `HH:MM:SS` of an ISO time; the text itself if it is not a time. */
export function localClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** `waiting (queued #2)`, `waiting (next run 10:45:00)`, `backoff (retry 10:45:03)`, or the bare status. */
export function statusLabel(facts: StatusFacts): string {
  const { status, waiting_reason: reason, next_run: nextRun } = facts;
  if (status === "backoff") return nextRun === null ? status : `backoff (retry ${localClock(nextRun)})`;
  if (status !== "waiting" || reason === null) return status;
  if (reason === "next_run") return nextRun === null ? "waiting (next run)" : `waiting (next run ${localClock(nextRun)})`;
  if (reason === "queued" && facts.queue_position !== null) return `waiting (queued #${facts.queue_position})`;
  return `waiting (${reason})`;
}

/** `dependencies`, `queued`, `next run`. */
export function waitingReasonText(reason: WaitingReason): string {
  return reason === "next_run" ? "next run" : reason;
}
