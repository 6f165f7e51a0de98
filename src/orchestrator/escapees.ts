// Descendants that left their agent's process group (a daemon that called setsid) are out of
// reach of the group signal. Each run's processes inherit PYORCHESTRATE_RUN=<run id>, so once a
// run has ended, whatever still carries its id is found in /proc and killed. Runs that end
// together (a stop of many agents) share one scan of /proc.

import { allPids, environ, isLive, readStat } from "./procfs.ts";

export const RUN_ENV = "PYORCHESTRATE_RUN";

let batch: { needles: Set<string>; done: Promise<void> } | null = null;

/** How long a SIGKILLed escapee may take to be gone before the run's exit stops waiting for it. */
const GONE_WITHIN_MS = 1_000;

/** SIGKILLs every live process still carrying `runId`; resolves once they are gone. */
export function endEscapees(runId: string): Promise<void> {
  if (!batch) {
    const needles = new Set<string>();
    const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      batch = null;
      return untilGone(killCarriers(needles));
    });
    batch = { needles, done };
  }
  batch.needles.add(`${RUN_ENV}=${runId}`);
  return batch.done;
}

function killCarriers(needles: ReadonlySet<string>): number[] {
  const killed: number[] = [];
  for (const pid of allPids()) {
    if (!environ(pid).some((entry) => needles.has(entry))) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}

/** SIGKILL is delivered asynchronously: a stop is reported only once its processes are gone. */
async function untilGone(pids: number[]): Promise<void> {
  const deadline = Date.now() + GONE_WITHIN_MS;
  // Not our children, so no exit event comes; this runs only when a run did leave escapees.
  while (pids.some((pid) => isLive(readStat(pid))) && Date.now() < deadline) await Bun.sleep(5);
}
