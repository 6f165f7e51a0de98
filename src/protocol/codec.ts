// NDJSON framing: a byte-level line splitter with a hard line limit, and request parsing.

import { ProtocolError } from "./errors.ts";
import type { Request, RequestId } from "./envelope.ts";

export const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export function encodeFrame(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * Splits a byte stream into lines. Bytes are kept, not decoded, until a line is complete,
 * so a multi-byte character split across chunks survives. Throws once a line grows past
 * `maxLineBytes`; the caller answers INVALID_REQUEST and drops the connection.
 */
export class LineDecoder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly text = new TextDecoder("utf-8", { fatal: true });

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.append(chunk.subarray(start, newline));
      lines.push(this.take());
      start = newline + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
    return lines;
  }

  /** Bytes of an unfinished line still held. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.maxLineBytes) {
      this.pending = [];
      this.pendingBytes = 0;
      throw new ProtocolError("INVALID_REQUEST", `request line exceeds ${this.maxLineBytes} bytes`, {
        limit_bytes: this.maxLineBytes,
      });
    }
    // Copy: the socket may reuse the chunk's memory once the data handler returns.
    this.pending.push(bytes.slice());
  }

  private take(): string {
    const parts = this.pending;
    const size = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    let bytes: Uint8Array;
    if (parts.length === 1) bytes = parts[0] as Uint8Array;
    else {
      bytes = new Uint8Array(size);
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.length;
      }
    }
    try {
      return this.text.decode(bytes);
    } catch (cause) {
      throw new ProtocolError("INVALID_REQUEST", "request line is not valid UTF-8", undefined, { cause });
    }
  }
}

export type ParsedRequest = { ok: true; request: Request } | { ok: false; id: RequestId | null; error: ProtocolError };

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
  if (typeof record.command !== "string" || record.command.length === 0) {
    return invalid(id, "field 'command' must be a non-empty string");
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
