// Where a command's result goes: the JSON envelope or the rendered table on stdout, errors as one
// `✗` line on stderr; and the exit code that goes with it. The only module that writes for the client.

import type { Envelope } from "../protocol/envelope.ts";
import type { WireError } from "../protocol/errors.ts";
import { renderError } from "./render/error.ts";
import { UsageError, EXIT } from "./errors.ts";

export type Format = "table" | "json";

export function resolveFormat(args: { format?: string; json?: boolean }): Format {
  if (args.json) return "json";
  if (args.format !== undefined) {
    if (args.format !== "table" && args.format !== "json") {
      throw new UsageError(`--format must be 'table' or 'json' (got '${args.format}')`);
    }
    return args.format;
  }
  return process.stdout.isTTY ? "table" : "json";
}

const useColor = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;

/** Green ✓ and red ✗ at line starts, on a terminal only. */
function paint(text: string, stream: NodeJS.WriteStream): string {
  if (!useColor(stream)) return text;
  return text.replace(/^(\s*)✓/gm, "$1\u001b[32m✓\u001b[39m").replace(/^(\s*)✗/gm, "$1\u001b[31m✗\u001b[39m");
}

/** The envelope as scripts see it: the reference's keys, without the wire's id and stream markers. */
export function publicEnvelope(envelope: Envelope): Record<string, unknown> {
  const { id: _id, stream: _stream, end: _end, ...rest } = envelope;
  return rest;
}

export function writeJson(envelope: Envelope): void {
  process.stdout.write(`${JSON.stringify(publicEnvelope(envelope), null, 2)}\n`);
}

export function writeText(text: string): void {
  process.stdout.write(`${paint(text, process.stdout)}\n`);
}

export function writeErrorLine(error: WireError): void {
  process.stderr.write(`${paint(renderError(error), process.stderr)}\n`);
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
