// Server-side validation of command arguments: nothing from the client is trusted.

import { AGENT_NAME_PATTERN } from "../../protocol/agents.ts";
import { OrchestratorError } from "../../orchestrator/errors.ts";

function rejectUnknown(raw: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new OrchestratorError("INVALID_ARGUMENT", `unknown argument '${key}'`, { argument: key, expected: known });
    }
  }
}

export function noArgs(raw: Record<string, unknown>): Record<string, never> {
  rejectUnknown(raw, []);
  return {};
}

function agentName(value: unknown): string {
  if (typeof value !== "string" || !AGENT_NAME_PATTERN.test(value)) {
    throw new OrchestratorError("INVALID_ARGUMENT", "argument 'agent' must be an agent name (letters, digits, _ . -)", {
      argument: "agent",
    });
  }
  return value;
}

export function requiredAgent(raw: Record<string, unknown>): { agent: string } {
  rejectUnknown(raw, ["agent"]);
  if (raw.agent === undefined) throw new OrchestratorError("INVALID_ARGUMENT", "argument 'agent' is required", { argument: "agent" });
  return { agent: agentName(raw.agent) };
}

export function optionalAgent(raw: Record<string, unknown>): { agent?: string } {
  rejectUnknown(raw, ["agent"]);
  return raw.agent === undefined || raw.agent === null ? {} : { agent: agentName(raw.agent) };
}
