// The one shutdown of a serve: nothing starts any more, then every agent is stopped, dependents
// before their providers (independent branches in parallel), within shutdown_timeout.

import { endLeftovers } from "./leftovers.ts";
import { isActive } from "./runtime.ts";
import { stopDependentsFirst } from "./stop-order.ts";
import type { Supervisor } from "./supervisor.ts";

/** How long stray descendants get between SIGTERM and SIGKILL at the end of a shutdown. */
const STRAY_GRACE_MS = 2_000;

export interface ShutdownResult {
  stopped: number;
  allGraceful: boolean;
}

export async function shutdownAgents(supervisor: Supervisor, instance: string, onStopped: (name: string, graceful: boolean) => void): Promise<ShutdownResult> {
  supervisor.shuttingDown = true;
  supervisor.queue.clear();
  const all = [...supervisor.runtimes.values()];
  const active = all.filter(isActive);
  supervisor.record({ type: "SHUTDOWN_INITIATED", agent: null, severity: "INFO", details: { agents_to_stop: active.length } });
  for (const runtime of all) supervisor.dispatch(runtime, { type: "shutdown" });
  const { clock } = supervisor;
  const overrun = clock.setTimer(() => supervisor.killEverything(), supervisor.config.orchestrator.shutdown_timeout * 1000);
  const results = await stopDependentsFirst(all, active, async (runtime) => {
    if (!isActive(runtime)) return true;
    const graceful = await supervisor.halt(runtime, { type: "shutdown_stop" });
    onStopped(runtime.config.name, graceful);
    return graceful;
  });
  clock.clearTimer(overrun);
  supervisor.memory.stop();
  // Descendants that left their agent's process group (setsid daemons) still carry our instance id.
  const strays = await endLeftovers({ instances: [instance] }, STRAY_GRACE_MS);
  await Promise.all(all.map((runtime) => runtime.log.close()));
  const allGraceful = results.every(Boolean);
  supervisor.record({
    type: "SHUTDOWN_COMPLETED",
    agent: null,
    severity: allGraceful ? "INFO" : "WARNING",
    details: { agents_stopped: active.length, all_graceful: allGraceful, strays_ended: strays.length },
  });
  return { stopped: active.length, allGraceful };
}
