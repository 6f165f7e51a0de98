// `logs AGENT`: the agent's last lines; with --follow, then its new lines as they are written,
// until Ctrl+C — as a table on a terminal, one compact JSON envelope per frame (NDJSON) in json mode.

import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { LOGS_LIMITS, type LogsArgs, type LogsData } from "../../protocol/logs.ts";
import type { Envelope } from "../../protocol/envelope.ts";
import { clientArgs, clientOptions, type ClientOptions, takePositionals } from "../args.ts";
import { EXIT, UsageError } from "../errors.ts";
import { emit, publicEnvelope, writeErr, writeText } from "../output.ts";
import { LIMITED_NOTE, renderLogs } from "../render/logs.ts";
import { requestOrFailure } from "../run.ts";
import { followStream } from "../stream-end.ts";

export default defineCommand({
  meta: { name: "logs", description: COMMAND_TABLE.logs.description },
  args: {
    agent: { type: "positional", required: true, description: "Agent name" },
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    lines: {
      type: "string",
      alias: "n",
      description: `-n: how many of the last lines (default ${LOGS_LIMITS.defaultLines}, 0 to ${LOGS_LIMITS.maxLines})`,
      valueHint: "N",
    },
    stream: { type: "string", description: "Only this stream's lines", valueHint: "stdout|stderr" },
    since: { type: "string", description: "Only lines at or after TIME: ISO 8601, or a duration ago (30s, 10m, 2h, 1d)", valueHint: "time" },
    follow: { type: "boolean", alias: "f", description: "-f: then print new lines as they are written, until Ctrl+C" },
  },
  async run({ args }) {
    const options = clientOptions(args);
    const { agent } = takePositionals(options, { required: ["agent"] });
    const request: LogsArgs = { agent: agent as string };
    if (args.lines !== undefined) {
      if (!/^\d{1,9}$/.test(args.lines)) throw new UsageError(`-n/--lines must be a whole number of lines (got '${args.lines}')`);
      request.lines = Number(args.lines);
    }
    if (args.stream !== undefined) {
      if (args.stream !== "stdout" && args.stream !== "stderr") throw new UsageError(`--stream must be 'stdout' or 'stderr' (got '${args.stream}')`);
      request.stream = args.stream;
    }
    if (args.since !== undefined) request.since = args.since;
    if (args.follow) await follow(options, { ...request, follow: true });
    else show(await requestOrFailure(options, "logs", request), options);
  },
});

/** One answer: its lines (nothing at all when there are none) or the envelope. */
function show(envelope: Envelope<LogsData>, options: ClientOptions): void {
  if (envelope.status === "error" || options.format === "json") return emit(envelope, options.format, renderLogs);
  if (envelope.data.limited) writeErr(`${LIMITED_NOTE}\n`);
  if (envelope.data.lines.length > 0) writeText(renderLogs(envelope.data));
  process.exitCode = EXIT.ok;
}

/** The last lines, then new ones as they are written; the "limited" note once, before the first. */
function follow(options: ClientOptions, request: LogsArgs): Promise<void> {
  let first = true;
  return followStream(options, "logs", request, (envelope) => {
    if (options.format === "json") writeText(JSON.stringify(publicEnvelope(envelope)));
    else {
      if (first && envelope.data.limited) writeErr(`${LIMITED_NOTE}\n`);
      if (envelope.data.lines.length > 0) writeText(renderLogs(envelope.data));
    }
    first = false;
  });
}
