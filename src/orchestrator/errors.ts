// Expected refusals on the server side; dispatch turns them into error envelopes.
//
// One error class per side. The server side (orchestrator/ and server/: handlers, dispatch) throws
// only OrchestratorError, which lives here because server/ may import orchestrator/ but
// orchestrator/ may take nothing from protocol/ except data types (so not protocol's class).
// The client side (client/, cli/) and the NDJSON codec, which both sides share, throw
// ProtocolError (protocol/errors.ts); the listener answers the codec's framing errors itself.

import type { ErrorCode, WireError } from "../protocol/errors.ts";

export class OrchestratorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OrchestratorError";
  }

  toWire(): WireError {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}
