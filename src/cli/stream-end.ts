// How a client stream (logs -f, history -f, stats --watch) ends: Ctrl+C, SIGTERM, SIGHUP, or a
// reader that went away (`| head`) is the way it is meant to end, so exit 0. The stream's
// socket is parked waiting for its next frame and cannot be cancelled from here, so these are
// the places a command ends the process itself, once stdout has taken what was written. An
// error answer or a lost orchestrator ends a stream too, as its last line (exit 1 or 3).

import { call } from "../client/connection.ts";
import type { ArgsOf, CommandName, DataOf } from "../protocol/commands.ts";
import { type ErrorEnvelope, failure, type SuccessEnvelope } from "../protocol/envelope.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { ClientOptions } from "./args.ts";
import { EXIT } from "./errors.ts";
import { exitCodeFor, type Format, outputDone, publicEnvelope, whenStdoutClosed, writeErrorLine, writeOut } from "./output.ts";

export function exitNow(code: number): void {
  void outputDone().then(() => process.exit(code));
  // A reader that never drains (a stopped pager) must not keep a Ctrl+C'd stream alive.
  setTimeout(() => process.exit(code), 200).unref();
}

/** Until the returned release is called, those signals (after `cleanup`) and a closed stdout or a reader gone exit 0. */
export function endStreamOnInterrupt(cleanup: () => void = () => {}): () => void {
  const quit = () => {
    cleanup();
    exitNow(EXIT.ok);
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of signals) process.on(signal, quit);
  whenStdoutClosed(() => process.exit(EXIT.ok));
  // A quiet stream writes nothing, so no EPIPE tells that `| head` has exited: poll for it. Loaded
  // only here, off the start-up path of every other command.
  let released = false;
  let unwatch = () => {};
  void import("../system/reader-gone.ts").then(({ whenReaderGone }) => {
    if (!released) unwatch = whenReaderGone(1, () => process.exit(EXIT.ok));
  });
  return () => {
    released = true;
    unwatch();
    for (const signal of signals) process.off(signal, quit);
    whenStdoutClosed(null);
  };
}

/** An error ends a stream: a compact envelope on stdout (the NDJSON's last line) or `✗ …` on stderr. */
export function endWithError(envelope: ErrorEnvelope, format: Format): void {
  if (format === "json") writeOut(`${JSON.stringify(publicEnvelope(envelope))}\n`);
  else writeErrorLine(envelope.error);
  process.exitCode = exitCodeFor(envelope.error);
}

/**
 * Streams `command` (logs -f, history -f), handing each frame to `onFrame`, until serve ends the
 * stream (exit 0), goes away (exit 3), or a signal or a closed reader ends it (exit 0).
 */
export async function followStream<C extends CommandName>(
  options: ClientOptions,
  command: C,
  args: ArgsOf<C>,
  onFrame: (envelope: SuccessEnvelope<DataOf<C>>) => void,
): Promise<void> {
  const release = endStreamOnInterrupt();
  try {
    for await (const envelope of call(command, args, options)) {
      if (envelope.status === "error") return endWithError(envelope, options.format);
      onFrame(envelope);
    }
    process.exitCode = EXIT.ok;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    endWithError(failure(null, error.toWire()), options.format);
  } finally {
    release();
  }
}
