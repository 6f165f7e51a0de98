// NDJSON framing: a byte-level line splitter with a hard line limit, and request parsing.

import { ProtocolError } from "./errors.ts";
import type { Request, RequestId } from "./envelope.ts";

export const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
/** An unfinished-line buffer up to this size is kept between lines; a bigger one is let go. */
const SMALL_BUFFER_BYTES = 4 * 1024;

export function encodeFrame(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** What one chunk completed: its lines, and the error that stopped reading, if any. */
export interface DecodedChunk {
  lines: string[];
  /** A line over the limit or not UTF-8; the rest of the chunk after it was dropped. */
  error: ProtocolError | null;
}

/**
 * Splits a byte stream into lines. Bytes are kept, not decoded, until a line is complete,
 * so a multi-byte character split across chunks survives. An unfinished line lives in one
 * buffer that never grows past `maxLineBytes`, however the client slices its writes.
 */
export class LineDecoder {
  private pending = new Uint8Array(0);
  private pendingBytes = 0;
  private readonly text = new TextDecoder("utf-8", { fatal: true });

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /** The lines a chunk completes; throws INVALID_REQUEST on a line over the limit or not UTF-8. */
  push(chunk: Uint8Array): string[] {
    const { lines, error } = this.decode(chunk);
    if (error) throw error;
    return lines;
  }

  /**
   * Like `push`, but a bad line does not cost the good lines before it in the same chunk:
   * they come back with the error, so a server can answer them before it answers the error.
   */
  decode(chunk: Uint8Array): DecodedChunk {
    const lines: string[] = [];
    let start = 0;
    try {
      for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
        this.append(chunk.subarray(start, newline));
        lines.push(this.take());
        start = newline + 1;
      }
      if (start < chunk.length) this.append(chunk.subarray(start));
    } catch (error) {
      this.reset();
      if (error instanceof ProtocolError) return { lines, error };
      throw error;
    }
    return { lines, error: null };
  }

  /** Bytes of an unfinished line still held. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const size = this.pendingBytes + bytes.length;
    if (size > this.maxLineBytes) {
      throw new ProtocolError("INVALID_REQUEST", `request line exceeds ${this.maxLineBytes} bytes`, {
        limit_bytes: this.maxLineBytes,
      });
    }
    if (size > this.pending.length) {
      // Doubling keeps a line sent byte by byte linear; the cap keeps it within the limit.
      const grown = new Uint8Array(Math.min(this.maxLineBytes, Math.max(size, 2 * this.pending.length, 256)));
      grown.set(this.pending.subarray(0, this.pendingBytes));
      this.pending = grown;
    }
    // A copy: the socket may reuse the chunk's memory once the data handler returns.
    this.pending.set(bytes, this.pendingBytes);
    this.pendingBytes = size;
  }

  private take(): string {
    const bytes = this.pending.subarray(0, this.pendingBytes);
    this.pendingBytes = 0;
    let line: string;
    try {
      line = this.text.decode(bytes);
    } catch (cause) {
      throw new ProtocolError("INVALID_REQUEST", "request line is not valid UTF-8", undefined, { cause });
    }
    // A long line's buffer is not kept for the connection's lifetime.
    if (this.pending.length > SMALL_BUFFER_BYTES) this.pending = new Uint8Array(0);
    return line;
  }

  private reset(): void {
    this.pending = new Uint8Array(0);
    this.pendingBytes = 0;
  }
}

export type ParsedRequest = { ok: true; request: Request } | { ok: false; id: RequestId | null; error: ProtocolError };

/**
 * Every command is a short word. Anything else cannot name one, and must not travel further:
 * an unknown command is echoed in the answer, the event history and serve's log, where a
 * 64 KiB name or one with a newline or an escape sequence would bloat memory or forge lines.
 */
export const MAX_COMMAND_LENGTH = 64;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

function isCommandShape(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_COMMAND_LENGTH && PRINTABLE_ASCII.test(value);
}

function isRequestId(value: unknown): value is RequestId {
  return (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && value.length <= 128);
}

/** Parses one line into a request; a bad one yields INVALID_REQUEST with whatever id could be read. */
export function parseRequest(line: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return invalid(null, "request is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid(null, "request must be a JSON object");
  }
  const record = value as Record<string, unknown>;
  const id = isRequestId(record.id) ? record.id : null;
  if (id === null) return invalid(null, "field 'id' must be a number or a string");
  if (!isCommandShape(record.command)) {
    return invalid(id, `field 'command' must be a command name (1 to ${MAX_COMMAND_LENGTH} printable ASCII characters, no spaces)`);
  }
  const args = record.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return invalid(id, "field 'args' must be an object");
  }
  return { ok: true, request: { id, command: record.command, args: args as Record<string, unknown> } };
}

function invalid(id: RequestId | null, message: string): ParsedRequest {
  return { ok: false, id, error: new ProtocolError("INVALID_REQUEST", message) };
}
