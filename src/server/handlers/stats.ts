// stats: resource use of the orchestrator and its agents, sampled in one batch; with `watch`, one
// frame per interval (each one batch through the shared, cached sampler) until the client goes away.

import { type StatsAgent, type StatsArgs, type StatsData, type StatsWatchFrame, STATS_WATCH_INTERVAL } from "../../protocol/reports.ts";
import { formatBytes, formatPercent } from "../../protocol/format.ts";
import { OrchestratorError } from "../../orchestrator/errors.ts";
import { type ProcessUsage, sumUsage } from "../../orchestrator/resources.ts";
import { type FrameSink, type Handler, type ServerContext, STREAMED } from "../context.ts";
import { NO_USAGE, sampleAll, uptime } from "./usage.ts";
import { processUsage, psAgent } from "./views.ts";

export const stats: Handler<"stats"> = {
  parseArgs: statsArgs,
  async run(ctx, args, send, gone) {
    if (!args.watch) return statsData(ctx, await sampleAll(ctx));
    await watch(ctx, args.interval ?? STATS_WATCH_INTERVAL.default, send, gone);
    return STREAMED;
  },
};

function statsData(ctx: ServerContext, usage: Map<number, ProcessUsage>): StatsData {
  const total = sumUsage(usage.values());
  const edges = ctx.orchestrator.edges();
  const satisfied = edges.filter((edge) => edge.satisfied).length;
  return {
    orchestrator: { ...uptime(ctx), ...ctx.orchestrator.counts() },
    system: {
      memory_usage: formatBytes(total.memoryBytes),
      memory_bytes: total.memoryBytes,
      cpu_usage: formatPercent(total.cpuPercent),
      cpu_percent: roundTenth(total.cpuPercent),
      open_files: total.openFiles,
    },
    dependencies: { total_dependencies: edges.length, satisfied, unsatisfied: edges.length - satisfied },
  };
}

/** The stats and every agent's share, all from one batch sample. */
async function watchFrame(ctx: ServerContext): Promise<StatsWatchFrame> {
  const usage = await sampleAll(ctx);
  const now = Date.now();
  const positions = ctx.orchestrator.queuePositions();
  const agents = ctx.orchestrator.list().map((runtime): StatsAgent => {
    const row = psAgent(runtime, now, positions);
    const own = processUsage(row.pid, row.pid === null ? NO_USAGE : (usage.get(row.pid) ?? NO_USAGE));
    return {
      name: row.name,
      status: row.status,
      waiting_reason: row.waiting_reason,
      queue_position: row.queue_position,
      next_run: row.next_run,
      pid: row.pid,
      cpu_usage: own.cpu_usage,
      cpu_percent: own.cpu_percent,
      memory_usage: own.memory_usage,
      memory_bytes: own.memory_bytes,
      restarts: row.restarts,
      uptime: row.uptime,
      uptime_seconds: row.uptime_seconds,
    };
  });
  return { ...statsData(ctx, usage), agents };
}

/**
 * A frame at once, then one every `seconds`, until `gone` (the client closed the connection).
 * The timer is unref'd (a watcher never keeps a finished serve alive) and cleared on the way
 * out; a sample still running when the next is due makes that tick a no-op, so frames never
 * pile up behind a slow /proc. A failed sample ends the stream with an error answer.
 */
async function watch(ctx: ServerContext, seconds: number, send: FrameSink<StatsWatchFrame>, gone: AbortSignal): Promise<void> {
  if (gone.aborted) return;
  const { promise: ended, resolve, reject } = Promise.withResolvers<void>();
  let sampling = false;
  const tick = async () => {
    if (sampling || gone.aborted) return;
    sampling = true;
    try {
      const frame = await watchFrame(ctx);
      if (!gone.aborted) send(frame, false);
    } catch (error) {
      reject(error);
    } finally {
      sampling = false;
    }
  };
  const timer = setInterval(tick, seconds * 1000);
  timer.unref();
  const onGone = () => resolve();
  gone.addEventListener("abort", onGone, { once: true });
  void tick();
  try {
    await ended;
  } finally {
    clearInterval(timer);
    gone.removeEventListener("abort", onGone);
  }
}

function roundTenth(n: number): number {
  return Math.round(n * 10) / 10;
}

/** `watch` (boolean) and `interval` (seconds, only with watch); nothing else. */
function statsArgs(raw: Record<string, unknown>): StatsArgs {
  for (const key of Object.keys(raw)) {
    if (key !== "watch" && key !== "interval") {
      throw new OrchestratorError("INVALID_ARGUMENT", `unknown argument '${key}'`, { argument: key, expected: ["watch", "interval"] });
    }
  }
  const { watch: watchArg, interval } = raw;
  if (watchArg !== undefined && watchArg !== null && typeof watchArg !== "boolean") {
    throw new OrchestratorError("INVALID_ARGUMENT", "argument 'watch' must be true or false", { argument: "watch" });
  }
  if (interval === undefined || interval === null) return watchArg ? { watch: true } : {};
  const { min, max } = STATS_WATCH_INTERVAL;
  if (typeof interval !== "number" || !Number.isFinite(interval) || interval < min || interval > max) {
    throw new OrchestratorError("INVALID_ARGUMENT", `argument 'interval' must be a number of seconds from ${min} to ${max}`, {
      argument: "interval",
      minimum: min,
      maximum: max,
    });
  }
  if (!watchArg) throw new OrchestratorError("INVALID_ARGUMENT", "argument 'interval' applies only with 'watch'", { argument: "interval" });
  return { watch: true, interval };
}
