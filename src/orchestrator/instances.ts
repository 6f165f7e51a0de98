// An agent with `instances = N` runs as N copies, NAME#1 … NAME#N, each its own process, log and
// runtime, told apart by PYORCHESTRATE_INSTANCE=i (supervisord's numprocs, pm2 -i). Depending on
// such an agent means depending on every copy (dependencies.ts); `scale` changes N at run time.

import type { AgentConfig } from "../config/types.ts";

export const INSTANCE_NUMBER_ENV = "PYORCHESTRATE_INSTANCE";

/** The configs of the agent's copies: itself when it has no `instances`. */
export function copiesOf(agent: AgentConfig, count: number | null = agent.instances): AgentConfig[] {
  if (agent.instances === null || count === null) return [agent];
  return Array.from({ length: count }, (_, i) => copyOf(agent, i + 1));
}

export function copyOf(agent: AgentConfig, number: number): AgentConfig {
  return { ...agent, name: `${agent.name}#${number}`, env: { ...agent.env, [INSTANCE_NUMBER_ENV]: String(number) } };
}

/** The copy number of NAME#i (0 for a plain name): copies sort by it. */
export function copyNumber(name: string): number {
  const hash = name.indexOf("#");
  return hash === -1 ? 0 : Number(name.slice(hash + 1));
}
