// `logs`: one line per log line — `<time> <stream> <text>`, as the log file writes its records.

import type { LogLine, LogsData } from "../../protocol/logs.ts";

/** A partial line's stream carries the log file's `+`; a cut line says so at its end. */
export function renderLogLine(line: LogLine): string {
  const stream = line.partial ? `${line.stream}+` : line.stream;
  return `${line.time} ${stream} ${line.line}${line.truncated ? " …[cut at 64 KiB]" : ""}`;
}

/** The lines of one answer or frame; "" when there are none. */
export function renderLogs(data: LogsData): string {
  return data.lines.map(renderLogLine).join("\n");
}

/** For stderr, when `limited`: why fewer lines came back than asked for. */
export const LIMITED_NOTE = "(older lines left out: one answer holds at most 4 MiB of lines; narrow it with -n or --since)";
