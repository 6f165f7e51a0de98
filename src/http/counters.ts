// Counters kept from the event stream since serve started, for /metrics: events by type,
// commands by name and outcome, and each periodic agent's runs (durations, last success).
// Counted as events happen, so a scrape never reads the journal.

import type { EventLog, OrchestratorEvent } from "../orchestrator/events.ts";
import { isCommandName } from "../protocol/commands.ts";

/** Upper bounds (seconds) of the run duration histogram's buckets. */
export const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

export interface RunHistogram {
  /** Observations per bucket (not cumulative), RUN_BUCKETS order; beyond the last bucket only in `count`. */
  buckets: number[];
  sum: number;
  count: number;
  /** Seconds since the epoch of the last successful run, or null. */
  lastSuccess: number | null;
}

const RUN_EVENTS = new Set(["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_TIMEOUT"]);

export class EventCounters {
  readonly byType = new Map<string, number>();
  /** `command outcome` → count; outcome is "success" or the error code. */
  readonly commands = new Map<string, number>();
  readonly runs = new Map<string, RunHistogram>();
  private readonly unsubscribe: () => void;

  constructor(events: EventLog) {
    this.unsubscribe = events.subscribe((event) => this.count(event));
  }

  dispose(): void {
    this.unsubscribe();
  }

  /** Forgets agents that are no longer configured (after a reload). */
  keepOnly(agents: ReadonlySet<string>): void {
    for (const name of this.runs.keys()) if (!agents.has(name)) this.runs.delete(name);
  }

  private count(event: OrchestratorEvent): void {
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    if (event.category === "COMMAND") this.countCommand(event.details);
    if (event.agent !== null && RUN_EVENTS.has(event.type)) this.countRun(event);
  }

  private countCommand(details: Record<string, unknown>): void {
    // The command as the client wrote it may be anything: only known names become label values.
    const command = typeof details.command === "string" && isCommandName(details.command) ? details.command : "unknown";
    const outcome = details.result === "success" ? "success" : typeof details.error_code === "string" ? details.error_code : "error";
    const key = `${command} ${outcome}`;
    this.commands.set(key, (this.commands.get(key) ?? 0) + 1);
  }

  private countRun(event: OrchestratorEvent): void {
    const agent = event.agent as string;
    const histogram = this.runs.get(agent) ?? { buckets: RUN_BUCKETS.map(() => 0), sum: 0, count: 0, lastSuccess: null };
    this.runs.set(agent, histogram);
    const ranMs = event.details.ran_ms;
    if (typeof ranMs === "number" && Number.isFinite(ranMs)) {
      const seconds = ranMs / 1000;
      const bucket = RUN_BUCKETS.findIndex((bound) => seconds <= bound);
      if (bucket !== -1) histogram.buckets[bucket] = (histogram.buckets[bucket] ?? 0) + 1;
      histogram.sum += seconds;
      histogram.count++;
    }
    if (event.type === "EXECUTION_COMPLETED") histogram.lastSuccess = Date.parse(event.timestamp) / 1000;
  }
}
