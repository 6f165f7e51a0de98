// `history` and `history-stats`: events as a table or one line each (for --follow), and counts.

import type { CapacityInfo, HistoryData, HistoryStatsData } from "../../protocol/history.ts";
import type { HistoryEvent } from "../../protocol/events.ts";
import { groupThousands } from "../../protocol/format.ts";
import { renderTable } from "./table.ts";

/** Details beyond this many characters are cut with `…` (the JSON output has them whole). */
const DETAILS_WIDTH = 80;
/** The longest event type (ORCHESTRATOR_RELOADED) and severity (WARNING). */
const TYPE_WIDTH = 21;
const SEVERITY_WIDTH = 7;
const AGENT_WIDTH = 16;

export function renderHistory(data: HistoryData): string {
  const rows = data.events.map((event) => [
    String(event.seq),
    eventTime(event.timestamp),
    event.severity,
    event.type,
    event.agent ?? "-",
    summarizeDetails(event.details),
  ]);
  const table = data.events.length === 0 ? "No events match." : renderTable(["SEQ", "TIME", "SEVERITY", "TYPE", "AGENT", "DETAILS"], rows);
  const noun = data.count === 1 ? "event" : "events";
  return `${table}\n\n${groupThousands(data.count)} ${noun} shown  |  ${keptText(data.capacity_info)}`;
}

/** `2026-11-24T19:16:45Z  WARNING  AGENT_STOPPED          DataProcessor     reason=command …`: one event of a --follow. */
export function renderEventLine(event: HistoryEvent): string {
  return [
    eventTime(event.timestamp),
    event.severity.padEnd(SEVERITY_WIDTH),
    event.type.padEnd(TYPE_WIDTH),
    (event.agent ?? "-").padEnd(AGENT_WIDTH),
    summarizeDetails(event.details),
  ]
    .join("  ")
    .trimEnd();
}

export function renderHistoryStats(data: HistoryStatsData): string {
  const { statistics, capacity_info: info } = data;
  const scope =
    data.agent_filter === null ? `Events: ${groupThousands(statistics.total)}` : `Events of ${data.agent_filter}: ${groupThousands(statistics.total)}`;
  return [
    "Event History Statistics",
    "========================",
    `${scope}  |  ${keptText(info)}  |  Recorded in all: ${groupThousands(info.total_events)}`,
    "",
    "By type:",
    ...countLines(statistics.by_type),
    "",
    "By severity:",
    `  ${(["INFO", "WARNING", "ERROR"] as const).map((severity) => `${severity}: ${groupThousands(statistics.by_severity[severity] ?? 0)}`).join("  |  ")}`,
  ].join("\n");
}

/** `Kept: 340 of 1,000 (journal)`; `memory` when the journal could not be used. */
export function keptText(info: CapacityInfo): string {
  return `Kept: ${groupThousands(info.current_size)} of ${groupThousands(info.capacity)} (${info.storage})`;
}

/** Most frequent first, ties by name; counts right-aligned. */
function countLines(counts: Partial<Record<string, number>>): string[] {
  const entries = Object.entries(counts)
    .map(([name, n]) => [name, n ?? 0] as const)
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return ["  (none)"];
  const nameWidth = Math.max(...entries.map(([name]) => name.length));
  const countWidth = Math.max(...entries.map(([, n]) => groupThousands(n).length));
  return entries.map(([name, n]) => `  ${name.padEnd(nameWidth)}   ${groupThousands(n).padStart(countWidth)}`);
}

/** `2026-11-24T19:16:45Z`: the event's UTC time to the second, as serve's log and the envelope show times. */
function eventTime(timestamp: string): string {
  return timestamp.replace(/\.\d+Z$/, "Z");
}

/** `pid=9570 exit_code=1 reason="crash loop: …"`: the details on one line, nulls left out, cut to width. */
export function summarizeDetails(details: Record<string, unknown>, width = DETAILS_WIDTH): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined) continue;
    parts.push(`${key}=${detailValue(value)}`);
  }
  const text = parts.join(" ").replace(/[\r\n\t]+/g, " ");
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function detailValue(value: unknown): string {
  if (typeof value === "string") return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? "[]" : value.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
