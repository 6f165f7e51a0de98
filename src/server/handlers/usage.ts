// What stats and report share: one batch sample of serve and every agent process, and uptime.

import { formatUptime } from "../../protocol/format.ts";
import type { ProcessUsage } from "../../orchestrator/resources.ts";
import type { ServerContext } from "../context.ts";

export const NO_USAGE: ProcessUsage = { cpuPercent: 0, memoryBytes: 0, openFiles: 0 };

/** Usage of serve itself and of every agent process, keyed by pid. */
export async function sampleAll(ctx: ServerContext): Promise<Map<number, ProcessUsage>> {
  const pids = [process.pid];
  for (const runtime of ctx.orchestrator.list()) if (runtime.process) pids.push(runtime.process.pid);
  return ctx.sampler.sample(pids);
}

export function uptime(ctx: ServerContext): { uptime: string; uptime_seconds: number } {
  const seconds = Math.floor((Date.now() - ctx.orchestrator.startedAt) / 1000);
  return { uptime: formatUptime(seconds), uptime_seconds: seconds };
}
