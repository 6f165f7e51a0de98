// Request and answer envelopes: one JSON object per line, answers carry the request's id.

import type { WireError } from "./errors.ts";

export type RequestId = number | string;

export interface Request {
  id: RequestId;
  command: string;
  args: Record<string, unknown>;
}

interface EnvelopeBase {
  id: RequestId | null;
  timestamp: string;
  /** Set on every frame of a streamed answer; the last frame also has `end`. */
  stream?: true;
  end?: true;
}

export interface SuccessEnvelope<D = unknown> extends EnvelopeBase {
  status: "success";
  data: D;
}

export interface ErrorEnvelope extends EnvelopeBase {
  status: "error";
  error: WireError;
}

export type Envelope<D = unknown> = SuccessEnvelope<D> | ErrorEnvelope;

/** UTC, second precision, `Z` suffix: `2025-07-27T10:45:00Z`. */
export function wireTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function success<D>(id: RequestId | null, data: D, stream?: { end: boolean }): SuccessEnvelope<D> {
  const envelope: SuccessEnvelope<D> = { id, status: "success", data, timestamp: wireTimestamp() };
  if (stream) {
    envelope.stream = true;
    if (stream.end) envelope.end = true;
  }
  return envelope;
}

export function failure(id: RequestId | null, error: WireError, stream?: { end: boolean }): ErrorEnvelope {
  const envelope: ErrorEnvelope = { id, status: "error", error, timestamp: wireTimestamp() };
  if (stream) {
    envelope.stream = true;
    if (stream.end) envelope.end = true;
  }
  return envelope;
}
