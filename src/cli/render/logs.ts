// `logs`: one line per log line — `<time> <stream> <text>`, as the log file writes its records —
// prefixed with its agent when the answer merges several, and run markers between runs
// (`── run 3 started 19:16:45Z (pid 4242) ──`, `── exited 1 after 2.3s ──`) in time order.

import type { AgentLogLine, LogLine, LogMarker, LogsData } from "../../protocol/logs.ts";
import { utcClock } from "./status-label.ts";

export interface LogsView {
  /** ANSI colour: each agent's name in its own colour, markers dim. */
  color?: boolean;
}

/** Foreground colours agents' names cycle through (no red: it reads as an error). */
const COLORS = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];
const DIM = (text: string) => `\u001b[2m${text}\u001b[22m`;

/** A partial line's stream carries the log file's `+`; a cut line says so at its end. */
export function renderLogLine(line: LogLine): string {
  const stream = line.partial ? `${line.stream}+` : line.stream;
  return `${line.time} ${stream} ${line.line}${line.truncated ? " …[cut at 64 KiB]" : ""}`;
}

/** `run 3 started 19:16:45Z (pid 4242)`, `exited 1 after 2.3s`, `killed by SIGTERM after 95ms`, `timed out after 5.0s`. */
export function markerText(marker: LogMarker): string {
  if (marker.kind === "started") {
    const what = marker.run === null ? "started" : `run ${marker.run} started`;
    return `${what} ${utcClock(marker.time)}${marker.pid === null ? "" : ` (pid ${marker.pid})`}`;
  }
  if (marker.error !== null) return `could not start: ${marker.error}`;
  const after = marker.ran_ms === null ? "" : ` after ${duration(marker.ran_ms)}`;
  if (marker.event === "EXECUTION_TIMEOUT") return `timed out${after} (killed)`;
  if (marker.event === "AGENT_STOPPED") return `stopped${marker.signal === null ? "" : ` (${marker.signal})`}${after}`;
  if (marker.signal !== null) return `killed by ${marker.signal}${after}`;
  return `exited ${marker.exit_code ?? "?"}${after}`;
}

/** The lines of one answer or frame, with its markers; "" when there are none. */
export function renderLogs(data: LogsData, view: LogsView = {}): string {
  const merged = data.agent === null;
  const width = merged ? Math.max(0, ...[...data.agents, ...data.lines.map((line) => line.agent)].map((name) => name.length)) : 0;
  const prefix = (agent: string) => {
    if (!merged) return "";
    const name = agent.padEnd(width);
    return `${view.color ? `\u001b[${colorOf(agent)}m${name}\u001b[39m` : name}  `;
  };
  return inTimeOrder(data.lines, data.markers)
    .map((entry) => {
      if ("line" in entry) return `${prefix(entry.agent)}${renderLogLine(entry)}`;
      const text = `── ${markerText(entry)} ──`;
      return `${prefix(entry.agent)}${view.color ? DIM(text) : text}`;
    })
    .join("\n");
}

/** Lines and markers by time; at the same millisecond a start comes before the lines, an end after them. */
function inTimeOrder(lines: readonly AgentLogLine[], markers: readonly LogMarker[]): Array<AgentLogLine | LogMarker> {
  const rank = (entry: AgentLogLine | LogMarker) => ("line" in entry ? 1 : entry.kind === "started" ? 0 : 2);
  return [...lines, ...markers].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : rank(a) - rank(b)));
}

/** The same colour for an agent in every frame and every run of the command. */
function colorOf(agent: string): number {
  let hash = 0;
  for (const char of agent) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return COLORS[hash % COLORS.length] as number;
}

/** `95ms` below a second, else `2.3s`, as serve's log writes durations. */
function duration(ms: number): string {
  return ms < 999.5 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** For stderr, when `limited`: why fewer lines came back than asked for. */
export const LIMITED_NOTE = "(older lines left out: one answer holds at most 4 MiB of lines; narrow it with -n or --since)";
