// start, stop, restart and run of several agents at once (`start A B`, `stop @web`, `restart
// all`): each agent gets the one-agent command in turn — starts providers first, stops dependents
// first — and the answer says what became of each. An agent already in the asked-for state is
// no failure here (`already stopped`), where the one-agent command would be an error.

import type { AgentOutcome, ManyAgentsData } from "../protocol/commands.ts";
import { OrchestratorError } from "./errors.ts";
import type { AgentRuntime } from "./runtime.ts";
import { familyOf } from "../common/agent-names.ts";
import { stopDependentsFirst } from "./stop-order.ts";

export type ManyAction = ManyAgentsData["action"];

/** What several-agent commands need of the orchestrator: its one-agent commands and its agents. */
export interface OneAgentCommands {
  start(name: string): Promise<{ runtime: AgentRuntime }>;
  stop(name: string): Promise<boolean>;
  restart(name: string): Promise<AgentRuntime>;
  run(name: string): Promise<{ runtime: AgentRuntime }>;
  list(): AgentRuntime[];
  /** Agent names, providers before their dependents (copies under their agent's place). */
  startOrder(): string[];
}

/** Where each command's "nothing to do" error is no failure when many agents are asked for. */
const ALREADY: Partial<Record<ManyAction, { code: string; outcome: AgentOutcome["outcome"] }>> = {
  started: { code: "AGENT_ALREADY_RUNNING", outcome: "already running" },
  stopped: { code: "AGENT_NOT_RUNNING", outcome: "already stopped" },
};

export async function manyAgents(commands: OneAgentCommands, action: ManyAction, names: readonly string[]): Promise<ManyAgentsData> {
  const runtimes = commands.list();
  const chosen = new Set(names);
  const byName = new Map(runtimes.map((runtime) => [runtime.config.name, runtime]));
  const outcomes = new Map<string, AgentOutcome>();
  const one = async (name: string): Promise<void> => {
    outcomes.set(name, await outcomeOf(commands, action, name));
  };
  if (action === "stopped") {
    const targets = names.map((name) => byName.get(name)).filter((runtime): runtime is AgentRuntime => runtime !== undefined);
    await stopDependentsFirst(runtimes, targets, (runtime) => one(runtime.config.name));
  } else {
    const order = commands.startOrder().filter((name) => chosen.has(name));
    for (const name of order) await one(name);
  }
  // Starts in the order they were made (providers first). Stops run in parallel where they can, so
  // they are listed in a stable order rather than as they finished: dependents first, an agent's
  // copies together and in number order.
  const agents = [...outcomes.values()];
  if (action === "stopped") agents.sort(stopListing(commands.startOrder()));
  return { action, agents, failed: agents.filter((outcome) => !outcome.ok).length };
}

async function outcomeOf(commands: OneAgentCommands, action: ManyAction, agent: string): Promise<AgentOutcome> {
  try {
    switch (action) {
      case "started": {
        const { runtime } = await commands.start(agent);
        return { agent, ok: true, outcome: "started", pid: runtime.process?.pid ?? null, status: runtime.status };
      }
      case "stopped": {
        const graceful = await commands.stop(agent);
        return { agent, ok: true, outcome: "stopped", pid: null, status: "stopped", graceful_shutdown: graceful };
      }
      case "restarted": {
        const runtime = await commands.restart(agent);
        return { agent, ok: true, outcome: "restarted", pid: runtime.process?.pid ?? null, status: runtime.status };
      }
      case "run": {
        const { runtime } = await commands.run(agent);
        return { agent, ok: true, outcome: "run started", pid: runtime.process?.pid ?? null, status: runtime.status };
      }
    }
  } catch (error) {
    if (!(error instanceof OrchestratorError)) throw error;
    const already = ALREADY[action];
    const status = commands.list().find((runtime) => runtime.config.name === agent)?.status ?? "stopped";
    if (already && error.code === already.code) return { agent, ok: true, outcome: already.outcome, pid: null, status };
    return { agent, ok: false, outcome: "failed", pid: null, status, error: { code: error.code, message: error.message } };
  }
}

/** Compares two stop outcomes: later families in the start order first, copies by number. */
function stopListing(startOrder: readonly string[]): (a: AgentOutcome, b: AgentOutcome) => number {
  const position = new Map(startOrder.map((name, i) => [name, i]));
  const familyRank = new Map<string, number>();
  for (const name of startOrder) if (!familyRank.has(familyOf(name))) familyRank.set(familyOf(name), familyRank.size);
  const rank = (agent: string) => familyRank.get(familyOf(agent)) ?? -1;
  return (a, b) => rank(b.agent) - rank(a.agent) || (position.get(a.agent) ?? 0) - (position.get(b.agent) ?? 0);
}
