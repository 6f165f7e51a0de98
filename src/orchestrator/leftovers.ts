// Processes a serve left running because it was killed (SIGKILL, OOM killer, power to the
// container cut): found so the next serve can end them before it starts anything. A process is
// a leftover when
//   - it is a recorded agent leader (pid-records.ts) with the recorded start time, so a reused pid
//     is never taken for one of ours;
//   - it is in a recorded agent's process group started no earlier than that agent, while no
//     other process holds the recorded pid (the kernel does not reuse a pid while its group
//     lives, so the group is still ours); or
//   - its environment carries the instance id every agent inherits, which also finds
//     grandchildren that left the group with setsid.

import type { PidRecord } from "./pid-records.ts";
import { allPids, environ, isLive, readStat } from "./procfs.ts";

/** Every process of a serve carries its id here (PYORCHESTRATE_INSTANCE numbers an agent's copies). */
export const SERVE_ID_ENV = "PYORCHESTRATE_SERVE_ID";
/** Where serves before 0.2 put it: their leftovers are still found by it. */
const LEGACY_SERVE_ID_ENV = "PYORCHESTRATE_INSTANCE";

export interface LeftoverClues {
  instances: readonly string[];
  records?: readonly PidRecord[];
}

/** Live processes (not zombies) that the serves named by `clues` started. */
export function findLeftovers(clues: LeftoverClues): number[] {
  const needles = new Set(clues.instances.flatMap((instance) => [`${SERVE_ID_ENV}=${instance}`, `${LEGACY_SERVE_ID_ENV}=${instance}`]));
  const records = new Map<number, PidRecord>();
  for (const record of clues.records ?? []) {
    const leader = readStat(record.pid);
    // The recorded pid now belongs to another process: neither it nor its group are ours.
    if (isLive(leader) && leader.startTicks !== record.start_ticks) continue;
    records.set(record.pid, record);
  }
  const found: number[] = [];
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (!isLive(stat)) continue;
    const record = records.get(stat.pgid);
    if (record && stat.startTicks >= record.start_ticks) {
      found.push(pid);
      continue;
    }
    if (needles.size > 0 && environ(pid).some((entry) => needles.has(entry))) found.push(pid);
  }
  return found;
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`; resolves to the pids ended. */
export async function endLeftovers(clues: LeftoverClues, graceMs: number): Promise<number[]> {
  const pids = findLeftovers(clues);
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
  const alive = () => pids.some((pid) => isLive(readStat(pid)));
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  // Bounded by graceMs: these processes are not our children, so no exit event comes.
  while (Date.now() < deadline && alive()) await Bun.sleep(25);
  if (alive()) signal("SIGKILL");
  return pids;
}
