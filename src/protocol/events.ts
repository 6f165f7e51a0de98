// The event vocabulary of the history: categories, types, severities, and one event as kept.

/** Categories follow the type's prefix (SHUTDOWN_* events are the ORCHESTRATOR's). */
export const EVENT_CATEGORIES = ["AGENT", "EXECUTION", "COMMAND", "ORCHESTRATOR"] as const;
export const EVENT_SEVERITIES = ["INFO", "WARNING", "ERROR"] as const;
export const EVENT_TYPES = [
  "AGENT_STARTED",
  "AGENT_EXITED",
  "AGENT_STOPPED",
  "AGENT_FAILED",
  "AGENT_RESTARTED",
  "AGENT_BACKOFF",
  "AGENT_COMPLETED",
  "AGENT_READY",
  "AGENT_NOT_READY",
  "AGENT_UNHEALTHY",
  "AGENT_MEMORY_LIMIT",
  "AGENT_WATCHDOG",
  "AGENT_STOPPING",
  "AGENT_SCALED",
  "EXECUTION_STARTED",
  "EXECUTION_COMPLETED",
  "EXECUTION_FAILED",
  "EXECUTION_TIMEOUT",
  "EXECUTION_SKIPPED",
  "EXECUTION_QUEUED",
  "COMMAND_EXECUTED",
  "COMMAND_REJECTED",
  "ORCHESTRATOR_STARTED",
  "ORCHESTRATOR_RELOADED",
  "SHUTDOWN_INITIATED",
  "SHUTDOWN_COMPLETED",
] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

/** One event of the history, as the journal keeps it. */
export interface HistoryEvent {
  seq: number;
  timestamp: string;
  category: EventCategory;
  type: EventType;
  agent: string | null;
  severity: EventSeverity;
  details: Record<string, unknown>;
}
