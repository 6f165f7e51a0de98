// CPU, memory and open files of processes, sampled in one batch and cached briefly, so a burst
// of stats/status requests reads /proc once, not once per request per agent.

import { readdir } from "node:fs/promises";
import pidusage from "pidusage";

export interface ProcessUsage {
  cpuPercent: number;
  memoryBytes: number;
  openFiles: number;
}

const CACHE_MS = 1_000;
const NONE: ProcessUsage = { cpuPercent: 0, memoryBytes: 0, openFiles: 0 };

export class ResourceSampler {
  private cache = new Map<number, { at: number; usage: ProcessUsage }>();

  /** Usage of each pid; gone processes count as zero. */
  async sample(pids: readonly number[]): Promise<Map<number, ProcessUsage>> {
    const now = Date.now();
    const result = new Map<number, ProcessUsage>();
    const stale: number[] = [];
    for (const pid of pids) {
      const cached = this.cache.get(pid);
      if (cached && now - cached.at < CACHE_MS) result.set(pid, cached.usage);
      else stale.push(pid);
    }
    const fresh = await Promise.all(stale.map((pid) => measure(pid)));
    stale.forEach((pid, index) => {
      const usage = fresh[index] ?? NONE;
      result.set(pid, usage);
      this.cache.set(pid, { at: now, usage });
    });
    this.forgetExcept(pids);
    return result;
  }

  /** Drops entries of processes nobody asks about any more, so the cache cannot grow. */
  private forgetExcept(pids: readonly number[]): void {
    if (this.cache.size <= pids.length * 2) return;
    const keep = new Set(pids);
    for (const pid of this.cache.keys()) {
      if (!keep.has(pid)) this.cache.delete(pid);
    }
  }
}

async function measure(pid: number): Promise<ProcessUsage> {
  const [stat, fds] = await Promise.all([
    pidusage(pid).catch(() => null),
    readdir(`/proc/${pid}/fd`).catch(() => [] as string[]),
  ]);
  if (!stat) return NONE;
  return { cpuPercent: stat.cpu, memoryBytes: stat.memory, openFiles: fds.length };
}

export function sumUsage(usages: Iterable<ProcessUsage>): ProcessUsage {
  const total = { cpuPercent: 0, memoryBytes: 0, openFiles: 0 };
  for (const usage of usages) {
    total.cpuPercent += usage.cpuPercent;
    total.memoryBytes += usage.memoryBytes;
    total.openFiles += usage.openFiles;
  }
  return total;
}
