// report: the whole picture in one answer — orchestrator, agents, system, dependencies, the
// command interface's own figures, executions and events.

import { loadavg } from "node:os";
import type { ReportData } from "../../protocol/commands.ts";
import { formatBytes, formatPercent } from "../../protocol/format.ts";
import { sumUsage } from "../../orchestrator/resources.ts";
import type { Handler } from "../context.ts";
import { wireTimestamp } from "../../protocol/envelope.ts";
import { noArgs } from "./args.ts";
import { NO_USAGE, sampleAll, uptime } from "./usage.ts";

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
        const memory = (pid === null ? NO_USAGE : (usage.get(pid) ?? NO_USAGE)).memoryBytes;
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
