// `logs`: its arguments, the lines it answers, and its bounds.

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

/** `logs`: the last `lines` lines (default 100), filtered; `follow` streams new ones after the first answer. */
export interface LogsArgs {
  agent: string;
  lines?: number;
  stream?: "stdout" | "stderr";
  /** ISO 8601 time, or a duration ago: `30s`, `10m`, `2h`, `1d`. */
  since?: string;
  follow?: boolean;
}

/** `limited`: older lines were left out to keep the answer within 4 MiB (or 16 MiB of log read). */
export interface LogsData {
  agent: string;
  lines: LogLine[];
  count: number;
  limited: boolean;
  filters: { lines: number; stream: "stdout" | "stderr" | null; since: string | null };
}

/** Bounds of `logs --lines`, checked by the server (the client checks only that it is a number). */
export const LOGS_LIMITS = { defaultLines: 100, maxLines: 10_000 } as const;
