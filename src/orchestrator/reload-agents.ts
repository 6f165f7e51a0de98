// A reload's effect on agents: removed ones stop (dependents first) and go; changed ones stop and
// come back as new runtimes with the new definition; added ones start; unchanged ones are untouched.

import { startOrder } from "../config/dependency-graph.ts";
import type { AgentDiff } from "../config/diff.ts";
import type { AgentConfig, Config } from "../config/types.ts";
import { familyOf } from "../common/agent-names.ts";
import type { OutputLog } from "./output-log.ts";
import { isNotifyAgent } from "./agent-notify.ts";
import { copiesOf } from "./instances.ts";
import { type AgentRuntime, isActive } from "./runtime.ts";
import { stopDependentsFirst } from "./stop-order.ts";
import type { Supervisor } from "./supervisor.ts";

/**
 * Moves to `next` (already validated). A changed agent comes back when autostart is set or it
 * was active before; an added one when autostart is set.
 */
export async function reloadAgents(supervisor: Supervisor, next: Config, diff: AgentDiff, openLog: (agent: AgentConfig) => OutputLog): Promise<void> {
  const removed = new Set(diff.removed);
  // An agent with instances goes and comes back with all of its copies.
  const outgoing = [...diff.removed, ...diff.changed].flatMap((name) => supervisor.family(name));
  const wasActive = new Set(outgoing.filter(isActive).map((runtime) => familyOf(runtime.config.name)));
  await stopDependentsFirst([...supervisor.runtimes.values()], outgoing.filter(isActive), (runtime) =>
    supervisor.halt(runtime, { type: removed.has(familyOf(runtime.config.name)) ? "reload_removed" : "reload_changed" }),
  );
  const previous = supervisor.runtimes;
  const fresh = new Set([...diff.added, ...diff.changed]);
  const entries: Array<[string, AgentRuntime]> = [];
  for (const agent of next.agents) {
    // Unchanged: its runtimes stay, as many copies as `scale` left.
    if (!fresh.has(agent.name)) {
      for (const runtime of supervisor.family(agent.name)) entries.push([runtime.config.name, runtime]);
      continue;
    }
    // A changed agent is a new definition: fresh counters, the same log files.
    for (const copy of copiesOf(agent)) entries.push([copy.name, supervisor.newRuntime(copy, previous.get(copy.name)?.log ?? openLog(copy))]);
  }
  supervisor.runtimes = new Map(entries);
  const kept = new Set(entries.map(([, runtime]) => runtime.log));
  await Promise.all(outgoing.filter((runtime) => !kept.has(runtime.log)).map((runtime) => runtime.log.close()));
  for (const runtime of outgoing) {
    const successor = supervisor.runtimes.get(runtime.config.name);
    if (!successor || !isNotifyAgent(successor.config)) supervisor.closeNotify(runtime.config.name);
  }
  supervisor.config = next;
  for (const name of startOrder(next.agents)) {
    if (!fresh.has(name)) continue;
    for (const runtime of supervisor.family(name)) {
      if (runtime.config.autostart || wasActive.has(name)) supervisor.dispatch(runtime, { type: "start_requested" });
    }
  }
  supervisor.reconcile();
  supervisor.record({ type: "ORCHESTRATOR_RELOADED", agent: null, severity: "INFO", details: { config: next.path, ...diff } });
}
