// Which agents a command's words name: an agent, `all`, or `@group`, several at once.

import { ALL_AGENTS } from "../config/groups.ts";
import { familyOf } from "../common/agent-names.ts";
import { OrchestratorError } from "./errors.ts";
import type { AgentRuntime } from "./runtime.ts";

/** The agents `selectors` name, each once, in declaration order; AGENT_NOT_FOUND for a word that names none. */
export function selectAgents(selectors: readonly string[], runtimes: readonly AgentRuntime[]): string[] {
  const chosen = new Set<string>();
  for (const selector of selectors) {
    const matched = matching(selector, runtimes);
    if (matched.length === 0) {
      const groups = [...new Set(runtimes.flatMap((runtime) => runtime.config.groups))];
      const what = selector.startsWith("@") ? `Group '${selector.slice(1)}'` : `Agent '${selector}'`;
      throw new OrchestratorError("AGENT_NOT_FOUND", `${what} not found in orchestrator`, {
        available_agents: runtimes.map((runtime) => runtime.config.name),
        available_groups: groups.map((group) => `@${group}`),
      });
    }
    for (const name of matched) chosen.add(name);
  }
  return runtimes.map((runtime) => runtime.config.name).filter((name) => chosen.has(name));
}

function matching(selector: string, runtimes: readonly AgentRuntime[]): string[] {
  if (selector === ALL_AGENTS) return runtimes.map((runtime) => runtime.config.name);
  if (selector.startsWith("@")) {
    const group = selector.slice(1);
    return runtimes.filter((runtime) => runtime.config.groups.includes(group)).map((runtime) => runtime.config.name);
  }
  if (runtimes.some((runtime) => runtime.config.name === selector)) return [selector];
  // An agent with instances: every copy.
  return runtimes.filter((runtime) => familyOf(runtime.config.name) === selector).map((runtime) => runtime.config.name);
}

/** A command's `agent` argument that names more than one agent, or may: a list, `all`, a group. */
export function isSelection(agent: string): boolean {
  return agent.includes(",") || agent === ALL_AGENTS || agent.startsWith("@");
}
