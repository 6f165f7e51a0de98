// `logs [AGENT…]`: the last lines of one agent, or of several merged in time order (names, `all`,
// `@group`; none: every agent), with run markers between runs; with --follow, then new lines as
// they are written, until Ctrl+C — as text on a terminal, one compact JSON envelope per frame
// (NDJSON) in json mode.

import { typedFlag } from "../argv.ts";
import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { LOGS_LIMITS, type LogsArgs, type LogsData } from "../../protocol/logs.ts";
import type { Envelope } from "../../protocol/envelope.ts";
import { clientArgs, clientOptions, type ClientOptions } from "../args.ts";
import { EXIT, UsageError } from "../errors.ts";
import { emit, publicEnvelope, useColor, writeErr, writeText } from "../output.ts";
import { LIMITED_NOTE, type LogsView, renderLogs } from "../render/logs.ts";
import { requestOrFailure } from "../run.ts";
import { followStream } from "../stream-end.ts";

const ARGS = {
  agent: { type: "positional", required: false, description: "Agent name(s), all, or @group (default: every agent, merged)" },
  socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
  ...clientArgs,
  lines: {
    type: "string",
    alias: "n",
    description: `-n: how many of the last lines (default ${LOGS_LIMITS.defaultLines}, 0 to ${LOGS_LIMITS.maxLines})`,
    valueHint: "N",
  },
  grep: { type: "string", description: "Only lines containing TEXT (case-insensitive unless it has a capital; not a regex)", valueHint: "text" },
  stream: { type: "string", description: "Only this stream's lines", valueHint: "stdout|stderr" },
  since: { type: "string", description: "Only lines at or after TIME: ISO 8601, or a duration ago (30s, 10m, 2h, 1d)", valueHint: "time" },
  markers: { type: "boolean", description: "Run markers between runs (default: on in table output without --grep; --no-markers: off)" },
  follow: { type: "boolean", alias: "f", description: "-f: then print new lines as they are written, until Ctrl+C" },
} as const;

export default defineCommand({
  meta: { name: "logs", description: COMMAND_TABLE.logs.description },
  args: ARGS,
  async run({ args, rawArgs }) {
    const options = clientOptions(args);
    const request: LogsArgs = {};
    // One name as it is, several joined with commas (no agent name holds one), none: every agent.
    if (options.positionals.length > 0) request.agent = options.positionals.join(",");
    if (args.lines !== undefined) {
      if (!/^\d{1,9}$/.test(args.lines)) throw new UsageError(`${typedFlag(rawArgs, "lines", ARGS)} must be a whole number of lines (got '${args.lines}')`);
      request.lines = Number(args.lines);
    }
    if (args.stream !== undefined) {
      if (args.stream !== "stdout" && args.stream !== "stderr") throw new UsageError(`--stream must be 'stdout' or 'stderr' (got '${args.stream}')`);
      request.stream = args.stream;
    }
    if (args.since !== undefined) request.since = args.since;
    if (args.grep !== undefined) {
      if (args.grep === "") throw new UsageError("--grep needs a text to look for");
      request.grep = args.grep;
    }
    // Markers are for reading: on in the table (terminal) output unless asked otherwise or grepping.
    const markers = args.markers ?? (options.format === "table" && request.grep === undefined);
    if (markers) request.markers = true;
    const view: LogsView = { color: useColor(1) };
    if (args.follow) await follow(options, { ...request, follow: true }, view);
    else show(await requestOrFailure(options, "logs", request), options, view);
  },
});

/** One answer: its lines (nothing at all when there are none) or the envelope. */
function show(envelope: Envelope<LogsData>, options: ClientOptions, view: LogsView): void {
  if (envelope.status === "error" || options.format === "json") {
    emit(envelope, options.format, (data) => renderLogs(data, view));
    return;
  }
  if (envelope.data.limited) writeErr(`${LIMITED_NOTE}\n`);
  const text = renderLogs(envelope.data, view);
  if (text !== "") writeText(text);
  process.exitCode = EXIT.ok;
}

/** The last lines, then new ones as they are written; the "limited" note once, before the first. */
function follow(options: ClientOptions, request: LogsArgs, view: LogsView): Promise<void> {
  let first = true;
  return followStream(options, "logs", request, (envelope) => {
    if (options.format === "json") writeText(JSON.stringify(publicEnvelope(envelope)));
    else {
      if (first && envelope.data.limited) writeErr(`${LIMITED_NOTE}\n`);
      const text = renderLogs(envelope.data, view);
      if (text !== "") writeText(text);
    }
    first = false;
  });
}
