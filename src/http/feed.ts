// The dashboard's live feed (GET /ui/feed, SSE): every agent's row — what `ps` shows, plus CPU
// and memory from the background sample and the health checks' verdict — pushed on each sample
// and soon after any agent event; on connect, also the last 15 minutes of CPU and memory.
// One feed costs serve a JSON string per push, whatever the number of viewers' agents.

import type { OrchestratorEvent } from "../orchestrator/events.ts";
import type { Orchestrator } from "../orchestrator/orchestrator.ts";
import type { AgentRuntime } from "../orchestrator/runtime.ts";
import type { PsAgent } from "../protocol/commands.ts";
import { formatBytes, formatPercent } from "../protocol/format.ts";
import { psAgent } from "../server/handlers/views.ts";
import type { SseChannel } from "./sse.ts";
import type { UsageSampler } from "./usage.ts";

/** Agent events closer together than this are pushed as one update. */
const COALESCE_MS = 150;

export type HealthVerdict = "healthy" | "failing" | "pending" | null;

/** CPU and memory with their formatted twins, as `stats` has them; null without a sampled process. */
export interface FeedAgent extends PsAgent {
  cpu_percent: number | null;
  cpu_usage: string | null;
  memory_bytes: number | null;
  memory_usage: string | null;
  health: HealthVerdict;
  last_exit_code: number | null;
  depends_on: string[];
}

export interface FeedFrame {
  /** When this frame was made, and when CPU and memory were sampled (ms since the epoch). */
  time: number;
  sampled_at: number;
  agents: FeedAgent[];
}

export class Feed {
  private readonly channels = new Set<SseChannel>();
  private pending: Timer | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly usage: UsageSampler,
  ) {
    this.unsubscribe = orchestrator.events.subscribe((event) => this.onEvent(event));
    usage.onSample = () => this.push();
  }

  /** A new viewer: the history, then the current rows. */
  attach(channel: SseChannel): void {
    const history: Record<string, ReturnType<UsageSampler["history"]>> = {};
    for (const runtime of this.orchestrator.list()) history[runtime.config.name] = this.usage.history(runtime.config.name);
    channel.send({ interval_ms: this.usage.intervalMs, sampled_at: this.usage.sampledAt, history }, "history");
    channel.send(this.frame(), "agents");
    this.channels.add(channel);
    channel.signal.addEventListener("abort", () => this.channels.delete(channel), { once: true });
  }

  dispose(): void {
    this.unsubscribe();
    this.usage.onSample = null;
    if (this.pending) clearTimeout(this.pending);
    for (const channel of this.channels) channel.close();
    this.channels.clear();
  }

  frame(): FeedFrame {
    const now = Date.now();
    const positions = this.orchestrator.queuePositions();
    return { time: now, sampled_at: this.usage.sampledAt, agents: this.orchestrator.list().map((runtime) => this.row(runtime, now, positions)) };
  }

  private row(runtime: AgentRuntime, now: number, positions: ReadonlyMap<AgentRuntime, number>): FeedAgent {
    const latest = this.usage.latest(runtime.config.name);
    const current = latest !== null && latest.pid === runtime.process?.pid;
    return {
      ...psAgent(runtime, now, positions),
      cpu_percent: current ? Math.round(latest.cpuPercent * 10) / 10 : null,
      cpu_usage: current ? formatPercent(latest.cpuPercent) : null,
      memory_bytes: current ? latest.memoryBytes : null,
      memory_usage: current ? formatBytes(latest.memoryBytes) : null,
      health: verdict(this.orchestrator.healthOf(runtime)),
      last_exit_code: runtime.lastExitCode,
      depends_on: Object.keys(runtime.config.depends_on),
    };
  }

  private onEvent(event: OrchestratorEvent): void {
    // Commands change nothing a row shows; their effects arrive as AGENT_* events.
    if (event.category === "COMMAND" || this.channels.size === 0) return;
    this.pending ??= setTimeout(() => this.push(), COALESCE_MS);
  }

  private push(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    if (this.channels.size === 0) return;
    const frame = JSON.stringify(this.frame());
    for (const channel of this.channels) channel.sendJson(frame, "agents");
  }
}

/** One word for the agent's checks: failing beats pending beats healthy; null without checks. */
function verdict(checks: Record<string, { healthy: boolean | null } | null>): HealthVerdict {
  const views = Object.values(checks).filter((view) => view !== null);
  if (views.length === 0) return null;
  if (views.some((view) => view.healthy === false)) return "failing";
  if (views.some((view) => view.healthy === null)) return "pending";
  return "healthy";
}
