// What a reload changes: agents added, removed, changed or unchanged, and the orchestrator
// settings that only a restart of serve can apply.

import type { AgentConfig, Config, OrchestratorConfig } from "./types.ts";

export interface AgentDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

/** Settings bound to resources serve opened at start-up (the socket, the state_dir, the journal). */
export const RESTART_ONLY_SETTINGS = [
  "enable_command_interface",
  "command_socket_path",
  "command_socket_permissions",
  "command_socket_group",
  "state_dir",
  "history_capacity",
] as const satisfies readonly (keyof OrchestratorConfig)[];

/** Names in the order of the new file; removed ones in the order of the old. */
export function diffAgents(current: readonly AgentConfig[], next: readonly AgentConfig[]): AgentDiff {
  const before = new Map(current.map((agent) => [agent.name, agent]));
  const after = new Set(next.map((agent) => agent.name));
  const diff: AgentDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const agent of next) {
    const old = before.get(agent.name);
    if (!old) diff.added.push(agent.name);
    else if (canonical(old) === canonical(agent)) diff.unchanged.push(agent.name);
    else diff.changed.push(agent.name);
  }
  for (const agent of current) if (!after.has(agent.name)) diff.removed.push(agent.name);
  return diff;
}

/**
 * The config to run after a reload: `next`, except the restart-only settings, which keep their
 * running values; also says which of those the file changed.
 */
export function applicableConfig(current: Config, next: Config): { config: Config; requiresRestart: string[] } {
  const orchestrator: OrchestratorConfig = { ...next.orchestrator };
  const requiresRestart: string[] = [];
  for (const key of RESTART_ONLY_SETTINGS) {
    if (canonical(current.orchestrator[key]) !== canonical(next.orchestrator[key])) requiresRestart.push(`orchestrator.${key}`);
    (orchestrator as unknown as Record<string, unknown>)[key] = current.orchestrator[key];
  }
  // The HTTP listener was opened at start-up with the running [http]: a change waits for a restart.
  if (canonical(current.http ?? null) !== canonical(next.http ?? null)) requiresRestart.push("http");
  return { config: { ...next, orchestrator, http: current.http ?? null }, requiresRestart };
}

/** JSON with object keys sorted, so key order never counts as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
