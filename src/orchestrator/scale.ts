// `scale AGENT N`: the number of copies of an agent with `instances`, changed at run time. New
// copies start when the agent is up (any copy active); the highest-numbered go first. The count
// lasts until serve stops or a reload changes the agent's definition (an unchanged one keeps it).

import { MAX_INSTANCES } from "../config/groups.ts";
import type { AgentConfig } from "../config/types.ts";
import type { ScaleData } from "../protocol/commands.ts";
import { OrchestratorError } from "./errors.ts";
import { copyNumber, copyOf } from "./instances.ts";
import type { OutputLog } from "./output-log.ts";
import { type AgentRuntime, isActive } from "./runtime.ts";
import type { Supervisor } from "./supervisor.ts";

export async function scaleAgent(supervisor: Supervisor, name: string, count: number, openLog: (agent: AgentConfig) => OutputLog): Promise<ScaleData> {
  const agent = supervisor.config.agents.find((candidate) => candidate.name === name);
  if (!agent) {
    throw new OrchestratorError("AGENT_NOT_FOUND", `Agent '${name}' not found in orchestrator`, {
      available_agents: supervisor.config.agents.map((a) => a.name),
    });
  }
  if (agent.instances === null) {
    throw new OrchestratorError("INVALID_ARGUMENT", `Agent '${name}' runs as one process: set instances = 1 (or more) in [agents.${name}] to scale it`, {
      agent: name,
    });
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_INSTANCES) {
    throw new OrchestratorError("INVALID_ARGUMENT", `instances must be a whole number from 1 to ${MAX_INSTANCES} (got ${count})`, { argument: "instances" });
  }
  const copies = supervisor.family(name).sort((a, b) => copyNumber(a.config.name) - copyNumber(b.config.name));
  const previous = copies.length;
  const up = copies.some(isActive);
  const started: string[] = [];
  const stopped: string[] = [];
  if (count > previous) {
    const added: AgentRuntime[] = [];
    for (let number = previous + 1; number <= count; number++) {
      const config = copyOf(agent, number);
      added.push(supervisor.newRuntime(config, openLog(config)));
    }
    insertAfter(supervisor, copies.at(-1) ?? null, added);
    for (const runtime of added) {
      if (!up) continue;
      supervisor.dispatch(runtime, { type: "start_requested" });
      started.push(runtime.config.name);
    }
    supervisor.reconcile();
  } else if (count < previous) {
    const going = copies.slice(count);
    await Promise.all(going.map((runtime) => supervisor.halt(runtime, { type: "stop_requested", reason: "command" })));
    for (const runtime of going) {
      supervisor.runtimes.delete(runtime.config.name);
      supervisor.closeNotify(runtime.config.name);
      stopped.push(runtime.config.name);
    }
    await Promise.all(going.map((runtime) => runtime.log.close()));
  }
  supervisor.record({ type: "AGENT_SCALED", agent: name, severity: "INFO", details: { instances: count, previous, started, stopped } });
  return { agent: name, instances: count, previous, started, stopped };
}

/** New copies go right after the agent's last one, so ps lists an agent's copies together. */
function insertAfter(supervisor: Supervisor, last: AgentRuntime | null, added: AgentRuntime[]): void {
  const entries: Array<[string, AgentRuntime]> = [];
  for (const [key, runtime] of supervisor.runtimes) {
    entries.push([key, runtime]);
    if (runtime === last) for (const copy of added) entries.push([copy.config.name, copy]);
  }
  if (last === null) for (const copy of added) entries.push([copy.config.name, copy]);
  supervisor.runtimes = new Map(entries);
}
