// logs: an agent's last lines from its log files; with `follow`, then every line as it is written.

import { LOGS_LIMITS, type LogLine, type LogsArgs, type LogsData } from "../../protocol/logs.ts";
import { OrchestratorError } from "../../orchestrator/errors.ts";
import { followLog, readLastLines, recordLine, type Tail, type TailOptions } from "../../orchestrator/log-tail.ts";
import type { LogRecord, OutputLog } from "../../orchestrator/output-log.ts";
import { type Handler, type ServerContext, STREAMED } from "../context.ts";
import { requiredAgent } from "./args.ts";

const KNOWN_ARGS = ["agent", "lines", "stream", "since", "follow"];
/** A live frame is sent once this many bytes of lines wait, else at the next turn of the event loop. */
const LIVE_FRAME_BYTES = 256 * 1024;
const RELATIVE = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const ISO = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)?)?$/i;

export const logs: Handler<"logs"> = {
  parseArgs: parseLogsArgs,
  async run(ctx, args, send, gone) {
    const log = ctx.orchestrator.mustGet(args.agent).log;
    const options: TailOptions = {
      lines: args.lines ?? LOGS_LIMITS.defaultLines,
      stream: args.stream ?? null,
      since: args.since === undefined ? null : resolveSince(args.since, Date.now()),
    };
    const answer = (tail: Tail): LogsData => ({
      agent: args.agent,
      lines: tail.lines,
      count: tail.lines.length,
      limited: tail.limited,
      filters: { lines: options.lines, stream: options.stream ?? null, since: options.since ?? null },
    });
    if (!args.follow) return answer(readLastLines(log.path, options));
    await follow(ctx, args.agent, log, options, (tail, end) => send(answer(tail), end), gone);
    return STREAMED;
  },
};

function parseLogsArgs(raw: Record<string, unknown>): LogsArgs {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_ARGS.includes(key)) invalid(key, `unknown argument '${key}'`, { expected: KNOWN_ARGS });
  }
  const args: LogsArgs = requiredAgent({ agent: raw.agent });
  const { lines, stream, since, follow } = raw;
  if (lines !== undefined && lines !== null) {
    if (typeof lines !== "number" || !Number.isInteger(lines) || lines < 0 || lines > LOGS_LIMITS.maxLines) {
      invalid("lines", `argument 'lines' must be an integer from 0 to ${LOGS_LIMITS.maxLines}`, { got: typeof lines === "number" ? lines : typeof lines });
    }
    args.lines = lines;
  }
  if (stream !== undefined && stream !== null) {
    if (stream !== "stdout" && stream !== "stderr") invalid("stream", "argument 'stream' must be 'stdout' or 'stderr'");
    args.stream = stream;
  }
  if (since !== undefined && since !== null) {
    if (typeof since !== "string" || resolveSince(since, Date.now()) === null) {
      invalid("since", "argument 'since' must be an ISO 8601 time (2026-11-24T19:16:45Z) or a duration ago (30s, 10m, 2h, 1d)");
    }
    args.since = since as string;
  }
  if (follow !== undefined && follow !== null) {
    if (typeof follow !== "boolean") invalid("follow", "argument 'follow' must be true or false");
    args.follow = follow;
  }
  return args;
}

function invalid(argument: string, message: string, details: Record<string, unknown> = {}): never {
  throw new OrchestratorError("INVALID_ARGUMENT", message, { argument, ...details });
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

/** The backlog, then each record as it is framed, until the client goes, serve has shut down or a reload removes the agent. */
async function follow(
  ctx: ServerContext,
  agent: string,
  log: OutputLog,
  options: TailOptions,
  send: (tail: Tail, end: boolean) => void,
  gone: AbortSignal,
): Promise<void> {
  let pending: LogLine[] = [];
  let pendingBytes = 0;
  let flushing: Timer | null = null;
  const flush = () => {
    if (flushing) clearTimeout(flushing);
    flushing = null;
    if (pending.length === 0 || gone.aborted) return;
    const lines = pending;
    pending = [];
    pendingBytes = 0;
    send({ lines, limited: false }, false);
  };
  const live = (record: LogRecord) => {
    if (options.stream && record.stream !== options.stream) return;
    if (options.since && record.time < options.since) return;
    const line = recordLine(record);
    pending.push(line);
    pendingBytes += line.line.length + 80;
    if (pendingBytes >= LIVE_FRAME_BYTES) flush();
    else flushing ??= setTimeout(flush, 0);
  };
  const following = await followLog(log, options);
  let current = log;
  let stop = following.stop;
  try {
    if (gone.aborted) return;
    send(following.tail, false);
    following.start(live);
    await ended(ctx, agent, gone, () => current, (next) => {
      stop();
      current = next;
      stop = next.onRecord(live);
    });
  } finally {
    stop();
  }
  flush();
  if (!gone.aborted) send({ lines: [], limited: false }, true);
}

/** Resolves when the client is gone, serve has shut down, or a reload removed the agent. */
function ended(ctx: ServerContext, agent: string, gone: AbortSignal, current: () => OutputLog, replaced: (log: OutputLog) => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      unsubscribe();
      gone.removeEventListener("abort", stop);
      resolve();
    };
    const unsubscribe = ctx.orchestrator.events.subscribe((event) => {
      if (event.type === "SHUTDOWN_COMPLETED") stop();
      if (event.type !== "ORCHESTRATOR_RELOADED") return;
      const runtime = ctx.orchestrator.get(agent);
      if (!runtime) stop();
      else if (runtime.log !== current()) replaced(runtime.log);
    });
    if (gone.aborted) stop();
    else gone.addEventListener("abort", stop, { once: true });
  });
}
