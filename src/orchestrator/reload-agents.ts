// A reload's effect on agents: removed ones stop (dependents first) and go; changed ones stop and
// come back as new runtimes with the new definition; added ones start; unchanged ones are untouched.

import { startOrder } from "../config/dependency-graph.ts";
import type { AgentDiff } from "../config/diff.ts";
import type { AgentConfig, Config } from "../config/types.ts";
import type { OutputLog } from "./output-log.ts";
import { isNotifyAgent } from "./agent-notify.ts";
import { isActive } from "./runtime.ts";
import { stopDependentsFirst } from "./stop-order.ts";
import type { Supervisor } from "./supervisor.ts";

/**
 * Moves to `next` (already validated). A changed agent comes back when autostart is set or it
 * was active before; an added one when autostart is set.
 */
export async function reloadAgents(supervisor: Supervisor, next: Config, diff: AgentDiff, openLog: (agent: AgentConfig) => OutputLog): Promise<void> {
  const get = (name: string) => {
    const runtime = supervisor.runtimes.get(name);
    if (!runtime) throw new Error(`reload: no runtime for '${name}'`);
    return runtime;
  };
  const removed = new Set(diff.removed);
  const outgoing = [...diff.removed, ...diff.changed].map(get);
  const wasActive = new Set(outgoing.filter(isActive).map((runtime) => runtime.config.name));
  await stopDependentsFirst([...supervisor.runtimes.values()], outgoing.filter(isActive), (runtime) =>
    supervisor.halt(runtime, { type: removed.has(runtime.config.name) ? "reload_removed" : "reload_changed" }),
  );
  await Promise.all(diff.removed.map((name) => get(name).log.close()));
  for (const name of diff.removed) supervisor.closeNotify(name);
  for (const agent of next.agents) if (diff.changed.includes(agent.name) && !isNotifyAgent(agent)) supervisor.closeNotify(agent.name);
  const previous = supervisor.runtimes;
  const fresh = new Set([...diff.added, ...diff.changed]);
  supervisor.runtimes = new Map(
    next.agents.map((agent) => {
      const kept = previous.get(agent.name);
      if (kept && !fresh.has(agent.name)) return [agent.name, kept];
      // A changed agent is a new definition: fresh counters, the same log file.
      return [agent.name, supervisor.newRuntime(agent, kept?.log ?? openLog(agent))];
    }),
  );
  supervisor.config = next;
  for (const name of startOrder(next.agents)) {
    if (!fresh.has(name)) continue;
    const runtime = get(name);
    if (runtime.config.autostart || wasActive.has(name)) supervisor.dispatch(runtime, { type: "start_requested" });
  }
  supervisor.reconcile();
  supervisor.record({ type: "ORCHESTRATOR_RELOADED", agent: null, severity: "INFO", details: { config: next.path, ...diff } });
}
