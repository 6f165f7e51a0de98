// `stats`: the reference's statistics block; with --watch, the same streamed until Ctrl+C — a live
// table redrawn in place on a terminal, one compact JSON envelope per line (NDJSON) otherwise.

import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { call } from "../../client/connection.ts";
import { noAnswerError } from "../../client/errors.ts";
import { STATS_WATCH_INTERVAL, type StatsWatchFrame } from "../../protocol/reports.ts";
import { type ErrorEnvelope, failure } from "../../protocol/envelope.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { clientArgs, clientOptions, type ClientOptions, takePositionals } from "../args.ts";
import { EXIT, UsageError } from "../errors.ts";
import { isTerminal, publicEnvelope, writeOut } from "../output.ts";
import { renderStats } from "../render/stats.ts";
import { renderStatsWatch } from "../render/stats-watch.ts";
import { callAndEmit } from "../run.ts";
import { openScreen, type WatchScreen } from "../watch-screen.ts";
import { endStreamOnInterrupt, endWithError, exitNow } from "../stream-end.ts";

const { min, max } = STATS_WATCH_INTERVAL;

export default defineCommand({
  meta: { name: "stats", description: COMMAND_TABLE.stats.description },
  args: {
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    watch: { type: "boolean", description: "Keep streaming until Ctrl+C: a live table on a terminal, one JSON envelope per line otherwise" },
    interval: {
      type: "string",
      description: `Seconds between --watch frames (default ${STATS_WATCH_INTERVAL.default}, ${min} to ${max})`,
      valueHint: "seconds",
    },
  },
  async run({ args }) {
    const options = clientOptions(args);
    takePositionals(options, { required: [] });
    if (!args.watch) {
      if (args.interval !== undefined) throw new UsageError("--interval applies only with --watch");
      await callAndEmit(options, "stats", {}, renderStats);
      return;
    }
    await watch(options, parseInterval(args.interval));
  },
});

function parseInterval(text: string | undefined): number {
  if (text === undefined) return STATS_WATCH_INTERVAL.default;
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < min || seconds > max) {
    throw new UsageError(`--interval must be a number of seconds from ${min} to ${max} (got '${text}')`);
  }
  return seconds;
}

/**
 * Streams until the orchestrator goes away or stops sending (exit 3), or the reader goes away or a
 * signal comes (exit 0). A table on a terminal is redrawn in place; `--format table` into a file
 * or pipe appends each frame's table after a blank line instead, with no terminal control.
 */
async function watch(options: ClientOptions, interval: number): Promise<void> {
  const table = options.format === "table";
  const screen = table && isTerminal(1) ? openScreen(process.stdout) : null;
  let last: { frame: StatsWatchFrame; timestamp: string } | null = null;
  const render = (size: { columns?: number; rows?: number } = {}) =>
    last ? renderStatsWatch(last.frame, { intervalSeconds: interval, timestamp: last.timestamp, ...size }) : "";
  const draw = () => {
    if (screen && last) screen.draw(render(screen.size()));
  };
  // A serve that hangs keeps the connection open: a frame overdue by --timeout counts as gone.
  const silenceMs = interval * 1000 + options.timeoutMs;
  let overdue: Timer | undefined;
  const expectFrame = () => {
    clearTimeout(overdue);
    overdue = setTimeout(() => {
      fail(failure(null, noAnswerError(options.socketPath, `sent no stats for ${silenceMs / 1000}s`).toWire()), options, screen);
      exitNow(process.exitCode as number);
    }, silenceMs);
  };
  const release = endStreamOnInterrupt(() => screen?.restore());
  if (screen) process.stdout.on("resize", draw);
  try {
    let frames = 0;
    for await (const envelope of call("stats", { watch: true, interval }, options)) {
      if (envelope.status === "error") return fail(envelope, options, screen);
      expectFrame();
      last = { frame: envelope.data as StatsWatchFrame, timestamp: envelope.timestamp };
      if (screen) draw();
      else if (table) writeOut(`${frames > 0 ? "\n" : ""}${render()}\n`);
      else writeOut(`${JSON.stringify(publicEnvelope(envelope))}\n`);
      frames++;
    }
    process.exitCode = EXIT.ok;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    fail(failure(null, error.toWire()), options, screen);
  } finally {
    clearTimeout(overdue);
    release();
    if (screen) process.stdout.off("resize", draw);
    screen?.restore();
  }
}

/** The screen given back first, then the error as the stream's last line. */
function fail(envelope: ErrorEnvelope, options: ClientOptions, screen: WatchScreen | null): void {
  screen?.restore();
  endWithError(envelope, options.format);
}
