// max_memory: an agent whose process group holds more RSS than its limit in two samples in a
// row is restarted. Samples are taken only while such an agent has a process: no timer runs for
// a configuration without max_memory. Strikes belong to one process: a new pid starts from
// none, and a process already reported is left to end (SIGKILL after stop_timeout) without
// being reported again meanwhile.

import { readFile } from "node:fs/promises";
import { allPids, isLive, readStat } from "./procfs.ts";
import type { AgentRuntime } from "./runtime.ts";

/** How often watched agents are sampled; two samples over the limit (≥ 2 s apart) restart one. */
export const MEMORY_SAMPLE_MS = 2_000;

/** Samples over the limit in a row of one process; after a report, when it may be reported again. */
interface Strikes {
  pid: number;
  count: number;
  quietUntil: number;
}

export interface MemoryHooks {
  runtimes(): readonly AgentRuntime[];
  overLimit(runtime: AgentRuntime, rssBytes: number): void;
}

export class MemoryGuard {
  private timer: Timer | null = null;
  private readonly strikes = new Map<AgentRuntime, Strikes>();
  private sampling = false;

  constructor(private readonly hooks: MemoryHooks) {}

  /** Call when agents start or stop: sampling runs exactly while a watched agent has a process. */
  update(): void {
    const watched = this.watched().length > 0;
    if (watched && !this.timer) this.timer = setInterval(() => void this.sample(), MEMORY_SAMPLE_MS);
    if (!watched && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.strikes.clear();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private watched(): AgentRuntime[] {
    return this.hooks.runtimes().filter((runtime) => runtime.config.max_memory !== null && runtime.process !== null);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const watched = this.watched();
      for (const runtime of this.strikes.keys()) if (!watched.includes(runtime)) this.strikes.delete(runtime);
      const sampled = new Map(watched.map((runtime) => [runtime, runtime.process?.pid ?? 0]));
      const usage = await groupRss(new Set(sampled.values()));
      const now = Date.now();
      for (const [runtime, pid] of sampled) {
        // Gone or replaced while /proc was read: these numbers are not the current process's.
        if (runtime.process?.pid !== pid) continue;
        const rss = usage.get(pid) ?? 0;
        const limit = runtime.config.max_memory ?? Number.POSITIVE_INFINITY;
        const known = this.strikes.get(runtime);
        const strikes = known?.pid === pid ? known : { pid, count: 0, quietUntil: 0 };
        this.strikes.set(runtime, strikes);
        // Reported and being ended: one report per process, unless it outlives its stop_timeout (the restart did not happen).
        if (now < strikes.quietUntil) continue;
        strikes.count = rss > limit ? strikes.count + 1 : 0;
        if (strikes.count >= 2) {
          strikes.count = 0;
          strikes.quietUntil = now + runtime.config.stop_timeout * 1000 + MEMORY_SAMPLE_MS;
          this.hooks.overLimit(runtime, rss);
        }
      }
    } finally {
      this.sampling = false;
    }
  }
}

/** RSS (bytes) of every process in each of `groups` (process group ids = agent pids), summed. */
async function groupRss(groups: ReadonlySet<number>): Promise<Map<number, number>> {
  const totals = new Map<number, number>();
  const members: Array<{ pid: number; pgid: number }> = [];
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (isLive(stat) && groups.has(stat.pgid)) members.push({ pid, pgid: stat.pgid });
  }
  await Promise.all(
    members.map(async ({ pid, pgid }) => {
      const status = await readFile(`/proc/${pid}/status`, "latin1").catch(() => "");
      const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      totals.set(pgid, (totals.get(pgid) ?? 0) + kb * 1024);
    }),
  );
  return totals;
}
