// logs: the last lines of one agent or of several merged in time order, from their log files
// (log-query.ts); with `follow`, then every line as it is written (logs-follow.ts).

import { OrchestratorError } from "../../orchestrator/errors.ts";
import { readLastLines } from "../../orchestrator/log-tail.ts";
import { LOGS_LIMITS, type LogsArgs, type LogsData } from "../../protocol/logs.ts";
import { type Handler, type ServerContext, STREAMED } from "../context.ts";
import { type LogsQuery, logsData, markersFrom, mergeTails, resolveQuery, resolveSince } from "../log-query.ts";
import { requiredSelection } from "./args.ts";
import { followLogs } from "./logs-follow.ts";

const KNOWN_ARGS = ["agent", "lines", "stream", "since", "grep", "markers", "follow"];

export const logs: Handler<"logs"> = {
  parseArgs: parseLogsArgs,
  async run(ctx, args, send, gone) {
    const query = resolveQuery(ctx, args);
    if (!args.follow) return answer(ctx, args, query);
    await followLogs(ctx, args, query, send, gone);
    return STREAMED;
  },
};

function answer(ctx: ServerContext, args: LogsArgs, query: LogsQuery): LogsData {
  const tails = query.agents.map((agent) => {
    const path = ctx.orchestrator.mustGet(agent).log.path;
    return { agent, ...readLastLines(path, { ...query.tail, maxScanBytes: query.maxScanBytes }) };
  });
  const { lines, limited } = mergeTails(tails, query);
  const markers = query.markers ? markersFrom(ctx, query.agents, lines[0]?.time ?? query.tail.since ?? null) : [];
  return logsData(args, query, lines, markers, limited);
}

function parseLogsArgs(raw: Record<string, unknown>): LogsArgs {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_ARGS.includes(key)) invalid(key, `unknown argument '${key}'`, { expected: KNOWN_ARGS });
  }
  const args: LogsArgs = raw.agent === undefined || raw.agent === null ? {} : requiredSelection({ agent: raw.agent });
  const { lines, stream, since, grep, markers, follow } = raw;
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
  if (grep !== undefined && grep !== null) {
    if (typeof grep !== "string" || grep === "" || grep.length > LOGS_LIMITS.maxGrepLength) {
      invalid("grep", `argument 'grep' must be a text of 1 to ${LOGS_LIMITS.maxGrepLength} characters`);
    }
    args.grep = grep as string;
  }
  for (const [key, value] of [
    ["markers", markers],
    ["follow", follow],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (typeof value !== "boolean") invalid(key, `argument '${key}' must be true or false`);
    args[key] = value as boolean;
  }
  return args;
}

function invalid(argument: string, message: string, details: Record<string, unknown> = {}): never {
  throw new OrchestratorError("INVALID_ARGUMENT", message, { argument, ...details });
}
