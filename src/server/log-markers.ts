// Run markers for `logs`: where each run of an agent began and ended, read from the event history
// (the events the lifecycle records anyway), to show between its lines.

import type { HistoryEvent } from "../protocol/events.ts";
import type { LogMarker } from "../protocol/logs.ts";

/** The events a process of an agent begins with. */
const STARTS = new Set(["AGENT_STARTED", "EXECUTION_STARTED"]);
/** The events it ends with: exit, stop, completion, failure, a run's outcome. */
const ENDS = new Set(["AGENT_EXITED", "AGENT_STOPPED", "AGENT_COMPLETED", "AGENT_FAILED", "EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_TIMEOUT"]);

/** Every event type a marker comes from (the history is queried for these). */
export const MARKER_EVENTS: readonly string[] = [...STARTS, ...ENDS];

const numberOr = (value: unknown): number | null => (typeof value === "number" ? value : null);
const textOr = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** The marker of one event, or null when it marks nothing (not a start or an end, or an end that is a summary of runs). */
export function markerOf(event: HistoryEvent): LogMarker | null {
  if (event.agent === null) return null;
  const kind = STARTS.has(event.type) ? "started" : ENDS.has(event.type) ? "ended" : null;
  if (kind === null) return null;
  const { details } = event;
  const error = textOr(details.error);
  // A periodic agent's last AGENT_COMPLETED/AGENT_FAILED sums up its runs; its last run has its own marker.
  if (kind === "ended" && numberOr(details.pid) === null && error === null) return null;
  return {
    time: event.timestamp,
    agent: event.agent,
    kind,
    event: event.type,
    seq: event.seq,
    pid: numberOr(details.pid),
    run: numberOr(details.run),
    exit_code: numberOr(details.exit_code),
    signal: textOr(details.signal),
    ran_ms: numberOr(details.ran_ms),
    error,
  };
}

/**
 * One end per start: an exit is often followed by what it led to (AGENT_EXITED, then AGENT_FAILED
 * for a crash loop), and only the first says how the process ended. Fed markers of any agents in
 * the order they happened; keeps, per agent, a start and the first end after it.
 */
export class MarkerSequence {
  private readonly ended = new Map<string, boolean>();

  accept(marker: LogMarker): boolean {
    if (marker.kind === "started") {
      this.ended.set(marker.agent, false);
      return true;
    }
    if (this.ended.get(marker.agent) === true) return false;
    this.ended.set(marker.agent, true);
    return true;
  }
}

/**
 * The markers of one agent's `events` (oldest first) at or after `from`, one end per start
 * (`sequence` remembers what came before), and the start of the run that was going at `from`:
 * the first lines shown belong to it.
 */
export function markersOf(events: readonly HistoryEvent[], from: string, sequence = new MarkerSequence()): LogMarker[] {
  const markers: LogMarker[] = [];
  let going: LogMarker | null = null;
  for (const event of events) {
    const marker = markerOf(event);
    if (marker === null || !sequence.accept(marker)) continue;
    if (marker.time >= from) markers.push(marker);
    else going = marker.kind === "started" ? marker : null;
  }
  return going === null ? markers : [going, ...markers];
}
