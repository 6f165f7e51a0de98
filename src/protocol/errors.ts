// The wire's error codes: one list shared by server and client.

export const ERROR_CODES = [
  "AGENT_NOT_FOUND",
  "AGENT_ALREADY_RUNNING",
  "AGENT_NOT_RUNNING",
  "PERMISSION_DENIED",
  "ORCHESTRATOR_BUSY",
  "INVALID_REQUEST",
  "UNKNOWN_COMMAND",
  "INVALID_ARGUMENT",
  "DEPENDENCY_ERROR",
  "SPAWN_FAILED",
  "CONFIG_ERROR",
  "COMMAND_TIMEOUT",
  "INTERNAL_ERROR",
  "SOCKET_CONNECTION_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** An expected failure that becomes an error envelope (server) or an error line (client). */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProtocolError";
  }

  toWire(): WireError {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}
