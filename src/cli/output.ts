// Where a command's result goes: the JSON envelope or the rendered table on stdout, errors as one
// `✗` line on stderr; and the exit code that goes with it. The only module that writes for the client.
//
// It writes with Bun.write on Bun.stdout/Bun.stderr, never process.stdout: the first touch of
// process.stdout or process.stderr builds Node's stream layer, some 18 ms, as long as the rest of a
// CLI's start-up. Writes to one stream go out in order; the process stays up until they are done,
// so commands set process.exitCode and return (a stream that must end the process itself uses
// stream-end.ts's exitNow, which waits for outputDone first).

import type { Envelope } from "../protocol/envelope.ts";
import type { WireError } from "../protocol/errors.ts";
import { EXIT, UsageError } from "./errors.ts";
import { renderError } from "./render/error.ts";

export type Format = "table" | "json";
type Fd = 1 | 2;

const streams = { 1: Bun.stdout, 2: Bun.stderr } as const;
const queues: Record<Fd, Promise<void>> = { 1: Promise.resolve(), 2: Promise.resolve() };
const closed: Record<Fd, boolean> = { 1: false, 2: false };
let onStdoutClosed: (() => void) | null = null;

/** Queues `text` for the stream. A reader that went away (`| head`) is not an error: later writes are dropped. */
function write(fd: Fd, text: string): void {
  queues[fd] = queues[fd].then(async () => {
    if (closed[fd]) return;
    try {
      await Bun.write(streams[fd], text);
    } catch (error) {
      closed[fd] = true;
      const code = (error as { code?: string }).code;
      if (fd === 1 && (code === "EPIPE" || code === "ECONNRESET")) return onStdoutClosed?.();
      process.exitCode = EXIT.error;
      if (fd === 1) write(2, `✗ cannot write to stdout: ${(error as Error).message}\n`);
    }
  });
}

export function writeOut(text: string): void {
  write(1, text);
}

export function writeErr(text: string): void {
  write(2, text);
}

/** Resolves once everything written so far has gone out (or its reader has gone). */
export function outputDone(): Promise<void> {
  return Promise.all([queues[1], queues[2]]).then(() => {});
}

/** For a stream that ends the process itself (logs -f): what to do when stdout's reader goes away. */
export function whenStdoutClosed(handler: (() => void) | null): void {
  onStdoutClosed = handler;
}

const terminal: Partial<Record<Fd, boolean>> = {};

/**
 * Whether fd 1 or 2 is a terminal, without building process.stdout (node:tty, ~20 ms):
 * Bun's tty_wrap binding answers isatty(); node:tty only if a later Bun no longer has it.
 */
export function isTerminal(fd: Fd): boolean {
  let answer = terminal[fd];
  if (answer === undefined) {
    let binding: { isTTY?: (fd: number) => boolean } | undefined;
    try {
      binding = (process as unknown as { binding(name: string): typeof binding }).binding("tty_wrap");
    } catch {
      binding = undefined;
    }
    answer = typeof binding?.isTTY === "function" ? binding.isTTY(fd) : (require("node:tty") as typeof import("node:tty")).isatty(fd);
    terminal[fd] = answer;
  }
  return answer;
}

/** Colour only on a terminal, and never with NO_COLOR set. */
export function useColor(fd: Fd): boolean {
  return isTerminal(fd) && !process.env.NO_COLOR;
}

export function resolveFormat(args: { format?: string; json?: boolean }): Format {
  if (args.json) return "json";
  if (args.format !== undefined) {
    if (args.format !== "table" && args.format !== "json") {
      throw new UsageError(`--format must be 'table' or 'json' (got '${args.format}')`);
    }
    return args.format;
  }
  return isTerminal(1) ? "table" : "json";
}

/** Green ✓ and red ✗ at line starts, on a terminal only. */
function paint(text: string, fd: Fd): string {
  if (!useColor(fd)) return text;
  return text.replace(/^(\s*)✓/gm, "$1\u001b[32m✓\u001b[39m").replace(/^(\s*)✗/gm, "$1\u001b[31m✗\u001b[39m");
}

/** The envelope as scripts see it: the reference's keys, without the wire's id and stream markers. */
export function publicEnvelope(envelope: Envelope): Record<string, unknown> {
  const { id: _id, stream: _stream, end: _end, ...rest } = envelope;
  return rest;
}

export function writeJson(envelope: Envelope): void {
  writeOut(`${JSON.stringify(publicEnvelope(envelope), null, 2)}\n`);
}

export function writeText(text: string): void {
  writeOut(`${paint(text, 1)}\n`);
}

export function writeErrorLine(error: WireError): void {
  writeErr(`${paint(renderError(error), 2)}\n`);
}

export function exitCodeFor(error: WireError): number {
  return error.code === "SOCKET_CONNECTION_ERROR" ? EXIT.unreachable : EXIT.error;
}

/** Prints one answer in the chosen format and sets the exit code. */
export function emit<D>(envelope: Envelope<D>, format: Format, render: (data: D) => string): void {
  if (envelope.status === "error") {
    if (format === "json") writeJson(envelope);
    else writeErrorLine(envelope.error);
    process.exitCode = exitCodeFor(envelope.error);
    return;
  }
  if (format === "json") writeJson(envelope);
  else writeText(render(envelope.data));
  process.exitCode = EXIT.ok;
}
