// `dependencies`: each agent with what it waits for and whether that holds now, then the start order.

import type { DependencyEdge } from "../../protocol/agents.ts";
import type { DependenciesData } from "../../protocol/commands.ts";

export interface DependenciesView {
  /** Green ✓ and red ✗ (a terminal without NO_COLOR). */
  color?: boolean;
}

/**
 * ```
 * WeatherAgent  ← CacheWarmup (completed ✓)
 * DataProcessor ← WeatherAgent (started ✓)
 * CacheWarmup   (no dependencies)
 *
 * Start order: CacheWarmup → WeatherAgent → DataProcessor
 * ```
 * Agents that wait for others come first, in start order; an agent with several providers
 * gets one line per provider.
 */
export function renderDependencies(data: DependenciesData, view: DependenciesView = {}): string {
  const names = orderedNames(data);
  if (names.length === 0) return "No agents configured.";
  const width = Math.max(...names.map((name) => name.length));
  const providersOf = (name: string) => data.dependencies[name] ?? [];
  const waiting = names.filter((name) => providersOf(name).length > 0);
  const free = names.filter((name) => providersOf(name).length === 0);
  const lines: string[] = [];
  for (const name of waiting) {
    providersOf(name).forEach((provider, index) => {
      const label = (index === 0 ? name : "").padEnd(width);
      const edge = data.edges.find((candidate) => candidate.from === provider && candidate.to === name);
      lines.push(`${label} ← ${provider}${edge ? ` (${edge.condition} ${mark(edge, view)})` : ""}`);
    });
  }
  for (const name of free) lines.push(`${name.padEnd(width)} (no dependencies)`);
  lines.push("", `Start order: ${data.order.join(" → ")}`);
  return lines.join("\n");
}

/** Start order first; anything the order leaves out (it should not) after it. */
function orderedNames(data: DependenciesData): string[] {
  const names = [...data.order];
  for (const name of Object.keys(data.dependencies)) if (!names.includes(name)) names.push(name);
  return names;
}

function mark(edge: DependencyEdge, view: DependenciesView): string {
  if (!view.color) return edge.satisfied ? "✓" : "✗";
  return edge.satisfied ? "\u001b[32m✓\u001b[39m" : "\u001b[31m✗\u001b[39m";
}
