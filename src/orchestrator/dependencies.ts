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

/** The runtimes an edge names: the provider, or every copy of a provider with `instances`. */
export type Providers = (name: string) => readonly AgentRuntime[];

/** An edge holds when the provider has at least one copy and each of them satisfies it. */
export function edgeHolds(condition: DependencyCondition, providers: readonly AgentRuntime[]): boolean {
  return providers.length > 0 && providers.every((provider) => isSatisfied(condition, provider));
}

export function allSatisfied(runtime: AgentRuntime, providers: Providers): boolean {
  for (const [name, condition] of Object.entries(runtime.config.depends_on)) {
    if (!edgeHolds(condition, providers(name))) return false;
  }
  return true;
}

/** Every depends_on edge, provider → dependent, with whether it holds now. */
export function dependencyEdges(runtimes: readonly AgentRuntime[], providers: Providers): DependencyEdge[] {
  const edges: DependencyEdge[] = [];
  for (const runtime of runtimes) {
    for (const [from, condition] of Object.entries(runtime.config.depends_on)) {
      edges.push({ from, to: runtime.config.name, condition, satisfied: edgeHolds(condition, providers(from)) });
    }
  }
  return edges;
}
