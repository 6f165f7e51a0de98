// Pure functions over the agents' depends_on edges: cycles, start/stop order, neighbours.

import type { AgentConfig } from "./types.ts";

/** The part of an agent the graph needs; AgentConfig[] fits. Edges to unknown names are ignored. */
export type GraphNode = Pick<AgentConfig, "name" | "depends_on">;

function providersOf(node: GraphNode, known: ReadonlySet<string>): string[] {
  return Object.keys(node.depends_on).filter((name) => known.has(name));
}

/**
 * Each dependency cycle found, once, as a closed path of names: ["A", "B", "A"] means
 * A depends on B and B on A. A cycle is rotated to begin at its earliest-declared member,
 * so the same loop is never reported twice. Every cyclic part of the graph yields at least
 * one cycle (a depth-first search reports one per back edge, not every elementary cycle).
 */
export function findCycles(agents: readonly GraphNode[]): string[][] {
  const index = new Map(agents.map((a, i) => [a.name, i] as const));
  const byName = new Map(agents.map((a) => [a.name, a] as const));
  const known = new Set(index.keys());
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];

  const visit = (name: string): void => {
    state.set(name, "visiting");
    stack.push(name);
    const node = byName.get(name);
    for (const provider of node ? providersOf(node, known) : []) {
      const s = state.get(provider);
      if (s === "visiting") record(stack.slice(stack.indexOf(provider)));
      else if (s === undefined) visit(provider);
    }
    stack.pop();
    state.set(name, "done");
  };

  const record = (loop: string[]): void => {
    let start = 0;
    loop.forEach((name, i) => {
      if ((index.get(name) ?? 0) < (index.get(loop[start] ?? "") ?? 0)) start = i;
    });
    const rotated = [...loop.slice(start), ...loop.slice(0, start)];
    const key = rotated.join("\u0000");
    if (seen.has(key)) return;
    seen.add(key);
    cycles.push([...rotated, rotated[0] ?? ""]);
  };

  for (const agent of agents) if (!state.has(agent.name)) visit(agent.name);
  return cycles;
}

/**
 * Names in an order where every provider comes before its dependents; among agents that
 * could go next, the earliest declared goes first (a stable topological sort). Agents caught
 * in a cycle (a validated config has none) are appended in declaration order.
 */
export function startOrder(agents: readonly GraphNode[]): string[] {
  const known = new Set(agents.map((a) => a.name));
  const placed = new Set<string>();
  const order: string[] = [];
  // Small graphs (a config file's worth of agents): a quadratic scan keeps it obviously stable.
  let progress = true;
  while (progress && order.length < agents.length) {
    progress = false;
    for (const agent of agents) {
      if (placed.has(agent.name)) continue;
      if (providersOf(agent, known).every((p) => placed.has(p))) {
        placed.add(agent.name);
        order.push(agent.name);
        progress = true;
        break; // restart the scan so an earlier-declared agent just freed goes next
      }
    }
  }
  for (const agent of agents) if (!placed.has(agent.name)) order.push(agent.name);
  return order;
}

/** Reverse start order: dependents stop before the agents they depend on. */
export function stopOrder(agents: readonly GraphNode[]): string[] {
  return startOrder(agents).reverse();
}

/** Agents that depend directly on `name`, in declaration order. */
export function dependentsOf(agents: readonly GraphNode[], name: string): string[] {
  return agents.filter((a) => a.name !== name && Object.hasOwn(a.depends_on, name)).map((a) => a.name);
}

/** Everything `name` needs, directly or through others, in start order; `name` excluded. */
export function transitiveProviders(agents: readonly GraphNode[], name: string): string[] {
  const byName = new Map(agents.map((a) => [a.name, a] as const));
  const known = new Set(byName.keys());
  const found = new Set<string>();
  const pending = [name];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const node = byName.get(next);
    for (const provider of node ? providersOf(node, known) : []) {
      if (provider === name || found.has(provider)) continue;
      found.add(provider);
      pending.push(provider);
    }
  }
  return startOrder(agents).filter((n) => found.has(n));
}

/** Everything that depends on `name`, directly or through others, in stop order; `name` excluded. */
export function transitiveDependents(agents: readonly GraphNode[], name: string): string[] {
  const found = new Set<string>();
  const pending = [name];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const dependent of dependentsOf(agents, next)) {
      if (dependent === name || found.has(dependent)) continue;
      found.add(dependent);
      pending.push(dependent);
    }
  }
  return stopOrder(agents).filter((n) => found.has(n));
}
