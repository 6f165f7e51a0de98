// Server-side validation of command arguments: nothing from the client is trusted.

import { RUNNING_AGENT_PATTERN } from "../../protocol/agents.ts";
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
  if (typeof value !== "string" || !RUNNING_AGENT_PATTERN.test(value)) {
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

/** One agent, or several: names, `all` and `@group`s joined with commas (start, stop, restart, run). */
export function requiredSelection(raw: Record<string, unknown>): { agent: string } {
  rejectUnknown(raw, ["agent"]);
  const value = raw.agent;
  if (value === undefined) throw new OrchestratorError("INVALID_ARGUMENT", "argument 'agent' is required", { argument: "agent" });
  const words = typeof value === "string" ? value.split(",") : [];
  const valid = words.length > 0 && words.length <= 1000 && words.every((word) => RUNNING_AGENT_PATTERN.test(word.startsWith("@") ? word.slice(1) : word));
  if (!valid) {
    throw new OrchestratorError("INVALID_ARGUMENT", "argument 'agent' must be agent names, 'all' or '@group', joined with commas", { argument: "agent" });
  }
  return { agent: value as string };
}

export function optionalAgent(raw: Record<string, unknown>): { agent?: string } {
  rejectUnknown(raw, ["agent"]);
  return raw.agent === undefined || raw.agent === null ? {} : { agent: agentName(raw.agent) };
}
