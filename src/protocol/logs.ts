// `logs`: its arguments, the lines it answers, the run markers between them, and its bounds.

import type { EventType } from "./events.ts";

/**
 * One line of an agent's output. `partial`: the line goes on in the stream's next entry (no
 * newline yet, or a piece of a line over 64 KiB while following); `truncated`: cut at 64 KiB.
 */
export interface LogLine {
  time: string;
  stream: "stdout" | "stderr";
  line: string;
  partial?: true;
  truncated?: true;
}

/** A line of an answer: one agent's line, and whose. */
export interface AgentLogLine extends LogLine {
  agent: string;
}

/**
 * Where a run of an agent began or ended, from the event history, for the run markers between
 * its lines (`── run 3 started 12:00:01Z (pid 4242) ──`, `── exited 1 after 2.3s ──`).
 * `event`: the history event it comes from (its `seq` too); `run`: a periodic run's number;
 * `error`: why the program could not be started at all.
 */
export interface LogMarker {
  time: string;
  agent: string;
  kind: "started" | "ended";
  event: EventType;
  seq: number;
  pid: number | null;
  run: number | null;
  exit_code: number | null;
  signal: string | null;
  ran_ms: number | null;
  error: string | null;
}

/**
 * `logs`: the last `lines` lines (default 100), filtered; `follow` streams new ones after the first
 * answer. `agent`: one agent, several (`A,B`), `all` or `@group`; left out, every agent. `grep`:
 * only lines containing this text (case-insensitive unless it has a capital). `markers`: also the
 * run markers of the agents answered.
 */
export interface LogsArgs {
  agent?: string;
  lines?: number;
  stream?: "stdout" | "stderr";
  /** ISO 8601 time, or a duration ago: `30s`, `10m`, `2h`, `1d`. */
  since?: string;
  grep?: string;
  markers?: boolean;
  follow?: boolean;
}

/**
 * `agent`: the one agent asked for, null when the answer merges several (`agents` lists them, each
 * line says whose it is); lines oldest first across all of them, the newest `lines` of them.
 * `markers`: empty unless asked for. `limited`: older lines were left out to keep the answer within
 * 4 MiB (or the log read within its budget).
 */
export interface LogsData {
  agent: string | null;
  agents: string[];
  lines: AgentLogLine[];
  markers: LogMarker[];
  count: number;
  limited: boolean;
  filters: { lines: number; stream: "stdout" | "stderr" | null; since: string | null; grep: string | null; markers: boolean };
}

/** Bounds of `logs --lines`, checked by the server (the client checks only that it is a number). */
export const LOGS_LIMITS = { defaultLines: 100, maxLines: 10_000, maxGrepLength: 256 } as const;
