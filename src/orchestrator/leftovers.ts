// Processes a previous serve started and left behind (it was killed with SIGKILL): found by the
// instance id every agent inherits in its environment, so grandchildren and double-forked
// daemons are found too, and a reused pid is never mistaken for one of ours.

import { readdirSync, readFileSync } from "node:fs";

export const INSTANCE_ENV = "PYORCHESTRATE_INSTANCE";

/** Live processes (not zombies) whose environment carries `PYORCHESTRATE_INSTANCE=<instance>`. */
export function findLeftovers(instance: string): number[] {
  const needle = `${INSTANCE_ENV}=${instance}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(needle)) continue;
      if (isLive(pid)) found.push(pid);
    } catch {
      // gone, or not readable: not one we could have started
    }
  }
  return found;
}

function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`; resolves to the pids ended. */
export async function endLeftovers(instance: string, graceMs: number): Promise<number[]> {
  const pids = findLeftovers(instance);
  if (pids.length === 0) return [];
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  // Start-up only, bounded by graceMs: these processes are not our children, so no exit event comes.
  while (Date.now() < deadline && pids.some(isLive)) await Bun.sleep(25);
  if (pids.some(isLive)) signal("SIGKILL");
  return pids;
}
