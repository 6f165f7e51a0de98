// stats and report: resource use of the orchestrator and its agents, sampled in one batch.

import { loadavg } from "node:os";
import type { ReportData, StatsData } from "../../protocol/commands.ts";
import { formatBytes, formatPercent, formatUptime } from "../../protocol/format.ts";
import { type ProcessUsage, sumUsage } from "../../orchestrator/resources.ts";
import type { Handler, ServerContext } from "../context.ts";
import { wireTimestamp } from "../../protocol/envelope.ts";
import { noArgs } from "./args.ts";

const NONE: ProcessUsage = { cpuPercent: 0, memoryBytes: 0, openFiles: 0 };

/** Usage of serve itself and of every agent process, keyed by pid. */
async function sampleAll(ctx: ServerContext): Promise<Map<number, ProcessUsage>> {
  const pids = [process.pid];
  for (const runtime of ctx.orchestrator.list()) if (runtime.process) pids.push(runtime.process.pid);
  return ctx.sampler.sample(pids);
}

function uptime(ctx: ServerContext): { uptime: string; uptime_seconds: number } {
  const seconds = Math.floor((Date.now() - ctx.orchestrator.startedAt) / 1000);
  return { uptime: formatUptime(seconds), uptime_seconds: seconds };
}

export const stats: Handler<"stats"> = {
  parseArgs: noArgs,
  async run(ctx): Promise<StatsData> {
    const total = sumUsage((await sampleAll(ctx)).values());
    const edges = ctx.orchestrator.edges();
    const satisfied = edges.filter((edge) => edge.satisfied).length;
    return {
      orchestrator: { ...uptime(ctx), ...ctx.orchestrator.counts() },
      system: {
        memory_usage: formatBytes(total.memoryBytes),
        memory_bytes: total.memoryBytes,
        cpu_usage: formatPercent(total.cpuPercent),
        cpu_percent: Math.round(total.cpuPercent * 10) / 10,
        open_files: total.openFiles,
      },
      dependencies: { total_dependencies: edges.length, satisfied, unsatisfied: edges.length - satisfied },
    };
  },
};

export const report: Handler<"report"> = {
  parseArgs: noArgs,
  async run(ctx): Promise<ReportData> {
    const { orchestrator, config } = ctx;
    const usage = await sampleAll(ctx);
    const total = sumUsage(usage.values());
    const edges = orchestrator.edges();
    const runtimes = orchestrator.list();
    const executions = { runs: 0, failures: 0, totalDurationMs: 0 };
    for (const runtime of runtimes) {
      executions.runs += runtime.executions.runs;
      executions.failures += runtime.executions.failures;
      executions.totalDurationMs += runtime.executions.totalDurationMs;
    }
    const byType: Record<string, number> = {};
    const bySeverity: Record<string, number> = {};
    for (const event of orchestrator.events.all()) {
      byType[event.type] = (byType[event.type] ?? 0) + 1;
      bySeverity[event.severity] = (bySeverity[event.severity] ?? 0) + 1;
    }
    const [one = 0, five = 0, fifteen = 0] = loadavg();
    return {
      generated: wireTimestamp(),
      orchestrator: {
        name: config.orchestrator.name,
        version: ctx.version,
        pid: process.pid,
        socket: config.orchestrator.command_socket_path,
        ...uptime(ctx),
        config_path: config.path,
      },
      agents: runtimes.map((runtime) => {
        const pid = runtime.process?.pid ?? null;
        const memory = (pid === null ? NONE : (usage.get(pid) ?? NONE)).memoryBytes;
        return { name: runtime.config.name, pid, status: runtime.status, memory_usage: formatBytes(memory), memory_bytes: memory };
      }),
      system: {
        total_memory: formatBytes(total.memoryBytes),
        total_memory_bytes: total.memoryBytes,
        cpu_usage: formatPercent(total.cpuPercent),
        cpu_percent: Math.round(total.cpuPercent * 10) / 10,
        load_average: [one, five, fifteen].map((n) => Math.round(n * 100) / 100) as [number, number, number],
      },
      dependencies: { edges, all_satisfied: edges.every((edge) => edge.satisfied) },
      performance: ctx.metrics.snapshot(),
      executions: {
        runs: executions.runs,
        failures: executions.failures,
        average_duration_ms: executions.runs === 0 ? 0 : Math.round(executions.totalDurationMs / executions.runs),
      },
      events: { total: orchestrator.events.totalRecorded, by_type: byType, by_severity: bySeverity },
    };
  },
};
