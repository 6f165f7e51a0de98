// Expected refusals of the orchestrator; the server turns them into error envelopes.

import type { ErrorCode } from "../protocol/errors.ts";

export class OrchestratorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "OrchestratorError";
  }
}
