// Whether a dependency edge is satisfied by its provider's current state.

import type { DependencyCondition } from "../protocol/commands.ts";
import type { AgentRuntime } from "./runtime.ts";

export function isSatisfied(condition: DependencyCondition, provider: AgentRuntime): boolean {
  if (condition === "completed") return provider.status === "completed";
  // "ready" is reserved for readiness checks; until they exist it means "started".
  if (provider.status === "running" || provider.status === "completed") return true;
  // A periodic provider idle between runs is up: its schedule is running.
  return provider.config.kind === "periodic" && provider.status === "waiting" && provider.waitingReason === "next_run";
}

export function allSatisfied(runtime: AgentRuntime, lookup: (name: string) => AgentRuntime | undefined): boolean {
  for (const [name, condition] of Object.entries(runtime.config.depends_on)) {
    const provider = lookup(name);
    if (!provider || !isSatisfied(condition, provider)) return false;
  }
  return true;
}
