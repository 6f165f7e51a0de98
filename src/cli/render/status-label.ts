// An agent's status in words: why it waits, when it runs or retries next.

import type { AgentStatus, WaitingReason } from "../../protocol/agents.ts";

export interface StatusFacts {
  status: AgentStatus;
  waiting_reason: WaitingReason | null;
  queue_position: number | null;
  next_run: string | null;
}

/**
 * The time of day of an ISO time, in UTC and marked so: `10:45:03Z`. Every time a table shows is
 * UTC, as in the JSON and serve's log (full times end in `Z` too); the text itself if it is not a time.
 */
export function utcClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(11, 19)}Z`;
}

/** `waiting (queued #2)`, `waiting (next run 10:45:00Z)`, `backoff (retry 10:45:03Z)`, or the bare status. */
export function statusLabel(facts: StatusFacts): string {
  const { status, waiting_reason: reason, next_run: nextRun } = facts;
  if (status === "backoff") return nextRun === null ? status : `backoff (retry ${utcClock(nextRun)})`;
  if (status !== "waiting" || reason === null) return status;
  if (reason === "next_run") return nextRun === null ? "waiting (next run)" : `waiting (next run ${utcClock(nextRun)})`;
  if (reason === "queued" && facts.queue_position !== null) return `waiting (queued #${facts.queue_position})`;
  return `waiting (${reason})`;
}

/** `dependencies`, `queued`, `next run`. */
export function waitingReasonText(reason: WaitingReason): string {
  return reason === "next_run" ? "next run" : reason;
}
