// The event journal's on-disk format (<state_dir>/events.db, SQLite in WAL mode) and row mapping.

import type { EventCategory, EventSeverity, EventType, HistoryEvent } from "../protocol/events.ts";

/** PRAGMA user_version of the format this build writes; a newer file is left alone. */
export const JOURNAL_FORMAT = 1;

/**
 * seq is the rowid: appends go to the end of the table and trimming deletes a prefix, both
 * cheap range operations. The indexes serve `--agent` and `--type` lookups and counts.
 */
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    timestamp TEXT NOT NULL,
    category TEXT NOT NULL,
    type TEXT NOT NULL,
    agent TEXT,
    severity TEXT NOT NULL,
    details TEXT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS events_by_agent ON events (agent)",
  "CREATE INDEX IF NOT EXISTS events_by_type ON events (type)",
];

export const COLUMNS = "seq, timestamp, category, type, agent, severity, details";

export interface EventRow {
  seq: number;
  timestamp: string;
  category: string;
  type: string;
  agent: string | null;
  severity: string;
  details: string;
}

export function toRow(event: HistoryEvent): EventRow {
  return { ...event, details: JSON.stringify(event.details) };
}

export function fromRow(row: EventRow): HistoryEvent {
  let details: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(row.details);
    details = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    // A hand-edited row must not make the whole history unreadable.
    details = { raw: row.details };
  }
  return {
    seq: row.seq,
    timestamp: row.timestamp,
    category: row.category as EventCategory,
    type: row.type as EventType,
    agent: row.agent,
    severity: row.severity as EventSeverity,
    details,
  };
}
