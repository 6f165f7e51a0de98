// CPU, memory and open files of processes, sampled in one batch and cached briefly, so a burst
// of stats/status requests reads /proc once, not once per request per agent.

import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { type CpuReading, cpuPercent, readProc, uptimeSeconds } from "./proc-usage.ts";

export interface ProcessUsage {
  cpuPercent: number;
  memoryBytes: number;
  openFiles: number;
}

/** Below the shortest `stats --watch` interval (0.5 s), so every frame is a fresh reading. */
export const SAMPLE_MAX_AGE_MS = 400;
const NONE: ProcessUsage = { cpuPercent: 0, memoryBytes: 0, openFiles: 0 };
const HAS_PROC = existsSync("/proc/self/stat");

export class ResourceSampler {
  private cache = new Map<number, { at: number; usage: ProcessUsage }>();
  /** The last CPU reading of each pid, for the CPU used between two samples. */
  private readings = new Map<number, CpuReading>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Usage of each pid; gone processes count as zero. */
  async sample(pids: readonly number[]): Promise<Map<number, ProcessUsage>> {
    const now = this.now();
    const result = new Map<number, ProcessUsage>();
    const stale: number[] = [];
    for (const pid of pids) {
      const cached = this.cache.get(pid);
      if (cached && now - cached.at < SAMPLE_MAX_AGE_MS) result.set(pid, cached.usage);
      else stale.push(pid);
    }
    const fresh = HAS_PROC ? await this.measureFromProc(stale) : await Promise.all(stale.map(measureWithPidusage));
    stale.forEach((pid, index) => {
      const usage = fresh[index] ?? NONE;
      result.set(pid, usage);
      this.cache.set(pid, { at: now, usage });
    });
    this.forgetExcept(pids);
    return result;
  }

  private async measureFromProc(pids: readonly number[]): Promise<ProcessUsage[]> {
    if (pids.length === 0) return [];
    const uptime = await uptimeSeconds();
    return Promise.all(
      pids.map(async (pid) => {
        const [reading, fds] = await Promise.all([readProc(pid), readdir(`/proc/${pid}/fd`).catch(() => [] as string[])]);
        if (!reading) return NONE;
        const cpu = cpuPercent(reading.cpu, this.readings.get(pid), uptime);
        this.readings.set(pid, reading.cpu);
        return { cpuPercent: Math.max(0, cpu), memoryBytes: reading.memoryBytes, openFiles: fds.length };
      }),
    );
  }

  /** Drops entries of processes nobody asks about any more, so the caches cannot grow. */
  private forgetExcept(pids: readonly number[]): void {
    if (this.cache.size <= pids.length * 2 && this.readings.size <= pids.length * 2) return;
    const keep = new Set(pids);
    for (const pid of this.cache.keys()) if (!keep.has(pid)) this.cache.delete(pid);
    for (const pid of this.readings.keys()) if (!keep.has(pid)) this.readings.delete(pid);
  }
}

/** Where /proc is missing (macOS, for development): pidusage, loaded only there. */
async function measureWithPidusage(pid: number): Promise<ProcessUsage> {
  const { default: pidusage } = await import("pidusage");
  const stat = await pidusage(pid).catch(() => null);
  return stat ? { cpuPercent: stat.cpu, memoryBytes: stat.memory, openFiles: 0 } : NONE;
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
