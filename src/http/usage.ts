// CPU and memory of every agent's process (and serve's own file descriptors), sampled in the
// background every SAMPLE_INTERVAL_MS into a 15-minute ring. /metrics and the dashboard read
// the newest sample from memory: a scrape spawns nothing and reads no file.

import { readdir, readFile } from "node:fs/promises";
import type { Orchestrator } from "../orchestrator/orchestrator.ts";
import { type CpuReading, cpuPercent, readProc, uptimeSeconds } from "../orchestrator/proc-usage.ts";

export const SAMPLE_INTERVAL_MS = 10_000;
/** 15 minutes of samples. */
export const HISTORY_POINTS = (15 * 60_000) / SAMPLE_INTERVAL_MS;
/** USER_HZ, as in proc-usage.ts. */
const TICKS_PER_SECOND = 100;

export interface AgentUsage {
  pid: number;
  /** CPU time of the process since it started (user + system). */
  cpuSeconds: number;
  /** Since the sample before (100 = one core). */
  cpuPercent: number;
  memoryBytes: number;
}

interface Track {
  latest: AgentUsage | null;
  reading: CpuReading | null;
  /** Ring of HISTORY_POINTS samples at the sampler's `head`; NaN = no process then. */
  cpu: Float32Array;
  memory: Float64Array;
}

export interface ServeUsage {
  openFds: number;
  maxFds: number;
  virtualMemoryBytes: number;
}

export class UsageSampler {
  private readonly tracks = new Map<string, Track>();
  /** Slot of the newest sample in every ring. */
  private head = HISTORY_POINTS - 1;
  private timer: Timer | null = null;
  intervalMs = SAMPLE_INTERVAL_MS;
  private running: Promise<void> | null = null;
  /** When the newest sample was taken (ms), 0 before the first. */
  sampledAt = 0;
  serve: ServeUsage = { openFds: 0, maxFds: 0, virtualMemoryBytes: 0 };
  /** Hears each finished sample (the dashboard feed pushes it). */
  onSample: (() => void) | null = null;

  constructor(private readonly orchestrator: Orchestrator) {}

  start(intervalMs: number = SAMPLE_INTERVAL_MS): void {
    this.intervalMs = intervalMs;
    void this.sampleNow();
    // Once more a second in, when serve has started the first agents.
    setTimeout(() => void this.sampleNow(), 1_000).unref();
    // unref: the sampler must never be what keeps a finished serve alive.
    this.timer = setInterval(() => void this.sampleNow(), intervalMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  latest(agent: string): AgentUsage | null {
    return this.tracks.get(agent)?.latest ?? null;
  }

  /** The last 15 minutes, oldest first, one point per sample; null where there was no process. */
  history(agent: string): { cpu: (number | null)[]; memory: (number | null)[] } {
    const track = this.tracks.get(agent);
    const cpu: (number | null)[] = [];
    const memory: (number | null)[] = [];
    for (let i = 1; i <= HISTORY_POINTS; i++) {
      const slot = (this.head + i) % HISTORY_POINTS;
      const c = track?.cpu[slot] ?? Number.NaN;
      const m = track?.memory[slot] ?? Number.NaN;
      cpu.push(Number.isNaN(c) ? null : Math.round(c * 10) / 10);
      memory.push(Number.isNaN(m) ? null : m);
    }
    return { cpu, memory };
  }

  /** One sample of every agent's process; a sample still running is not started twice. */
  sampleNow(): Promise<void> {
    this.running ??= this.sample().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sample(): Promise<void> {
    const runtimes = this.orchestrator.list();
    const uptime = await uptimeSeconds().catch(() => 0);
    const readings = await Promise.all(runtimes.map((runtime) => (runtime.process ? readProc(runtime.process.pid) : null)));
    this.head = (this.head + 1) % HISTORY_POINTS;
    const seen = new Set<string>();
    runtimes.forEach((runtime, i) => {
      const name = runtime.config.name;
      seen.add(name);
      const track = this.tracks.get(name) ?? this.newTrack(name);
      const reading = readings[i];
      const pid = runtime.process?.pid;
      if (!reading || pid === undefined) {
        track.latest = null;
        track.reading = null;
        track.cpu[this.head] = Number.NaN;
        track.memory[this.head] = Number.NaN;
        return;
      }
      const percent = Math.max(0, cpuPercent(reading.cpu, track.reading ?? undefined, uptime));
      track.reading = reading.cpu;
      track.latest = { pid, cpuSeconds: reading.cpu.cpuTicks / TICKS_PER_SECOND, cpuPercent: percent, memoryBytes: reading.memoryBytes };
      track.cpu[this.head] = percent;
      track.memory[this.head] = reading.memoryBytes;
    });
    // Agents a reload removed.
    for (const name of this.tracks.keys()) if (!seen.has(name)) this.tracks.delete(name);
    this.serve = await serveUsage(this.serve.maxFds);
    this.sampledAt = Date.now();
    this.onSample?.();
  }

  private newTrack(name: string): Track {
    const track: Track = {
      latest: null,
      reading: null,
      cpu: new Float32Array(HISTORY_POINTS).fill(Number.NaN),
      memory: new Float64Array(HISTORY_POINTS).fill(Number.NaN),
    };
    this.tracks.set(name, track);
    return track;
  }
}

/** serve's own open and allowed file descriptors and virtual memory, from /proc/self. */
async function serveUsage(knownMaxFds: number): Promise<ServeUsage> {
  const [fds, stat, limits] = await Promise.all([
    readdir("/proc/self/fd").catch(() => [] as string[]),
    readFile("/proc/self/stat", "latin1").catch(() => ""),
    knownMaxFds > 0 ? Promise.resolve("") : readFile("/proc/self/limits", "latin1").catch(() => ""),
  ]);
  // Field 23 of stat (vsize, bytes); the array starts at field 3.
  const vsize = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[20] ?? 0);
  const maxFds = knownMaxFds > 0 ? knownMaxFds : Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? 0);
  return { openFds: fds.length, maxFds, virtualMemoryBytes: Number.isFinite(vsize) ? vsize : 0 };
}
