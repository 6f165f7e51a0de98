// Stopping many agents: dependents before their providers, each agent as soon as all of its
// dependents are gone, so independent branches stop in parallel.

import { familyOf } from "../common/agent-names.ts";
import type { AgentRuntime } from "./runtime.ts";

/** name → runtimes that depend on it. */
function dependentsByProvider(runtimes: readonly AgentRuntime[]): Map<string, AgentRuntime[]> {
  const map = new Map<string, AgentRuntime[]>();
  for (const runtime of runtimes) {
    for (const provider of Object.keys(runtime.config.depends_on)) {
      const list = map.get(provider) ?? [];
      list.push(runtime);
      map.set(provider, list);
    }
  }
  return map;
}

/**
 * Runs `stop` for each of `targets` once all of its dependents (among `all`) have been stopped;
 * resolves to each target's result in `targets` order.
 */
export function stopDependentsFirst<T>(
  all: readonly AgentRuntime[],
  targets: readonly AgentRuntime[],
  stop: (runtime: AgentRuntime) => Promise<T>,
): Promise<T[]> {
  const dependents = dependentsByProvider(all);
  const started = new Map<AgentRuntime, Promise<T | undefined>>();
  const targetSet = new Set(targets);
  const stopAfterDependents = (runtime: AgentRuntime): Promise<T | undefined> => {
    let promise = started.get(runtime);
    if (!promise) {
      const before = (dependents.get(familyOf(runtime.config.name)) ?? []).map(stopAfterDependents);
      promise = Promise.all(before).then(() => (targetSet.has(runtime) ? stop(runtime) : undefined));
      started.set(runtime, promise);
    }
    return promise;
  };
  return Promise.all(targets.map(stopAfterDependents)) as Promise<T[]>;
}

/** The longest chain of stop_timeouts (seconds) among agents with a live process. */
export function longestStopChain(runtimes: readonly AgentRuntime[]): number {
  const dependents = dependentsByProvider(runtimes);
  const memo = new Map<AgentRuntime, number>();
  const chain = (runtime: AgentRuntime): number => {
    const known = memo.get(runtime);
    if (known !== undefined) return known;
    const own = runtime.process ? runtime.config.stop_timeout : 0;
    const total = own + Math.max(0, ...(dependents.get(familyOf(runtime.config.name)) ?? []).map(chain));
    memo.set(runtime, total);
    return total;
  };
  return Math.max(0, ...runtimes.map(chain));
}
