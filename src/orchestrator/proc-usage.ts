// CPU and memory of a process straight from /proc (Linux): read and closed at once, so no file
// descriptor outlives a sample, whatever the churn of pids. pidusage, by contrast, keeps
// /proc/<pid>/stat open for 60 s after each lookup — one fd per agent pid seen — and spawns
// getconf on first use; resources.ts uses it only where /proc is not there.

import { readFile } from "node:fs/promises";

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat, 100 on every Linux ABI. */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  /** Start time (ticks since boot): a reused pid is another process. */
  startTicks: number;
  /** utime + stime, ticks. */
  cpuTicks: number;
  /** When it was read (ms, performance clock). */
  at: number;
}

export interface ProcReading {
  cpu: CpuReading;
  memoryBytes: number;
}

export async function readProc(pid: number): Promise<ProcReading | null> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, "latin1"), readFile(`/proc/${pid}/status`, "latin1")]);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14, 15 and 22 of stat; this array starts at field 3.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const rssKb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return { cpu: { startTicks: Number(fields[19]), cpuTicks, at: performance.now() }, memoryBytes: rssKb ? Number(rssKb) * 1024 : 0 };
  } catch {
    return null;
  }
}

export async function uptimeSeconds(): Promise<number> {
  return Number.parseFloat(await readFile("/proc/uptime", "latin1"));
}

/**
 * CPU % (100 = one core) since `previous` of the same process, or — for a first sample — averaged
 * over the process's life, as ps(1) shows it.
 */
export function cpuPercent(now: CpuReading, previous: CpuReading | undefined, uptime: number): number {
  if (previous && previous.startTicks === now.startTicks && now.at > previous.at) {
    return ((now.cpuTicks - previous.cpuTicks) / TICKS_PER_SECOND / ((now.at - previous.at) / 1000)) * 100;
  }
  const lived = uptime - now.startTicks / TICKS_PER_SECOND;
  return lived > 0 ? (now.cpuTicks / TICKS_PER_SECOND / lived) * 100 : 0;
}
