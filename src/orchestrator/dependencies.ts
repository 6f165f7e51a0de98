// Whether a dependency edge is satisfied by its provider's current state.

import type { DependencyCondition, DependencyEdge } from "../protocol/agents.ts";
import type { AgentRuntime } from "./runtime.ts";

export function isSatisfied(condition: DependencyCondition, provider: AgentRuntime): boolean {
  if (condition === "completed") return provider.status === "completed";
  // Running means ready: an agent with a ready check is "starting" until the check passes.
  if (provider.status === "running" || provider.status === "completed") return true;
  if (condition === "started" && provider.status === "starting" && provider.process !== null) return true;
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

/** Every depends_on edge, provider → dependent, with whether it holds now. */
export function dependencyEdges(runtimes: readonly AgentRuntime[], lookup: (name: string) => AgentRuntime | undefined): DependencyEdge[] {
  const edges: DependencyEdge[] = [];
  for (const runtime of runtimes) {
    for (const [from, condition] of Object.entries(runtime.config.depends_on)) {
      const provider = lookup(from);
      edges.push({ from, to: runtime.config.name, condition, satisfied: provider !== undefined && isSatisfied(condition, provider) });
    }
  }
  return edges;
}
