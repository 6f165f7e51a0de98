// One `logs` request resolved: which agents (a name, `A,B`, `all`, `@group`, or every agent), what
// of their logs, and the pieces both its answer and its follow are made of — merged tails, the
// grep test, run markers, the data shape.

import { ALL_AGENTS } from "../config/groups.ts";
import { DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_SCAN_BYTES, type TailOptions } from "../orchestrator/log-tail.ts";
import { type AgentLogLine, LOGS_LIMITS, type LogLine, type LogMarker, type LogsArgs, type LogsData } from "../protocol/logs.ts";
import type { ServerContext } from "./context.ts";
import { MARKER_EVENTS, MarkerSequence, markersOf } from "./log-markers.ts";

const RELATIVE = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const ISO = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)?)?$/i;
/** The log all agents of one answer may read together; each gets its share, at least 1 MiB. */
const MERGED_SCAN_BYTES = 64 * 1024 * 1024;
/** The JSON around one line, as log-tail.ts counts it. */
const LINE_OVERHEAD_BYTES = 80;
/** Events of one agent looked through for its run markers. */
const MARKER_EVENTS_PER_AGENT = 5_000;

/** What one `logs` request reads, resolved once. */
export interface LogsQuery {
  /** The one agent asked for by its name; null for a selection. */
  single: string | null;
  agents: string[];
  tail: TailOptions;
  /** Lines to keep in the end (tail.lines is more when grep filters). */
  lines: number;
  grep: ((text: string) => boolean) | null;
  markers: boolean;
  maxScanBytes: number;
}

export function resolveQuery(ctx: ServerContext, args: LogsArgs): LogsQuery {
  const selectors = args.agent === undefined ? [ALL_AGENTS] : args.agent.split(",");
  const agents = ctx.orchestrator.select(selectors);
  const lines = args.lines ?? LOGS_LIMITS.defaultLines;
  const grep = args.grep === undefined ? null : contains(args.grep);
  const only = agents.length === 1 ? agents[0] : undefined;
  return {
    single: only !== undefined && only === args.agent ? only : null,
    agents,
    // With grep the matching lines are picked from the last maxLines of each log.
    tail: {
      lines: grep ? LOGS_LIMITS.maxLines : lines,
      stream: args.stream ?? null,
      since: args.since === undefined ? null : resolveSince(args.since, Date.now()),
    },
    lines,
    grep,
    markers: args.markers === true,
    maxScanBytes:
      agents.length <= 1 ? DEFAULT_MAX_SCAN_BYTES : Math.min(DEFAULT_MAX_SCAN_BYTES, Math.max(1024 * 1024, Math.floor(MERGED_SCAN_BYTES / agents.length))),
  };
}

/** Fixed text, case-insensitive unless it has a capital (journalctl's smart case). Not a regular expression: any client's pattern runs inside serve. */
export function contains(pattern: string): (text: string) => boolean {
  if (pattern !== pattern.toLowerCase()) return (text) => text.includes(pattern);
  return (text) => text.toLowerCase().includes(pattern);
}

export function withAgent(agent: string, line: LogLine): AgentLogLine {
  const named: AgentLogLine = { time: line.time, agent, stream: line.stream, line: line.line };
  if (line.partial) named.partial = true;
  if (line.truncated) named.truncated = true;
  return named;
}

/** Each agent's matching lines, merged oldest first; the newest `query.lines` of them within the answer's bytes. */
export function mergeTails(
  tails: ReadonlyArray<{ agent: string; lines: readonly LogLine[]; limited: boolean }>,
  query: LogsQuery,
): { lines: AgentLogLine[]; limited: boolean } {
  let limited = tails.some((tail) => tail.limited);
  const merged = tails
    .flatMap((tail) => tail.lines.filter((line) => query.grep === null || query.grep(line.line)).map((line) => withAgent(tail.agent, line)))
    // Stable: one agent's lines keep their order within a millisecond.
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const newest = merged.slice(Math.max(0, merged.length - query.lines));
  // Several 4 MiB answers merged must still make one answer of at most 4 MiB: the oldest go.
  let bytes = 0;
  let from = newest.length;
  while (from > 0) {
    const size = Buffer.byteLength((newest[from - 1] as AgentLogLine).line) + LINE_OVERHEAD_BYTES;
    if (bytes + size > DEFAULT_MAX_ANSWER_BYTES && from < newest.length) {
      limited = true;
      break;
    }
    bytes += size;
    from--;
  }
  return { lines: newest.slice(from), limited };
}

/** The run markers of `agents` from `from` on (none without a start); `sequence` goes on with what a follow sees next. */
export function markersFrom(ctx: ServerContext, agents: readonly string[], from: string | null, sequence = new MarkerSequence()): LogMarker[] {
  if (from === null) return [];
  return agents
    .flatMap((agent) => {
      const events = ctx.orchestrator.events.query({ agent }, MARKER_EVENTS_PER_AGENT).filter((event) => MARKER_EVENTS.includes(event.type));
      return markersOf(events, from, sequence);
    })
    .sort((a, b) => a.seq - b.seq);
}

export function logsData(args: LogsArgs, query: LogsQuery, lines: AgentLogLine[], markers: LogMarker[], limited: boolean): LogsData {
  return {
    agent: query.single,
    agents: query.agents,
    lines,
    markers,
    count: lines.length,
    limited,
    filters: { lines: query.lines, stream: query.tail.stream ?? null, since: query.tail.since ?? null, grep: args.grep ?? null, markers: query.markers },
  };
}

/** `30s`/`10m`/`2h`/`1d` before `now`, or an ISO time (UTC when it names no zone), as the records write times; null if neither. */
export function resolveSince(text: string, now: number): string | null {
  const relative = RELATIVE.exec(text);
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]).toISOString();
  const iso = ISO.exec(text);
  if (!iso) return null;
  const ms = Date.parse(iso[1] === undefined && text.length > 10 ? `${text}Z` : text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
