// report: the whole picture in one answer — orchestrator, agents, system, dependencies, the
// command interface's own figures, executions and events.

import { loadavg } from "node:os";
import type { AgentExecutions, ReportData } from "../../protocol/reports.ts";
import { formatBytes, formatPercent } from "../../protocol/format.ts";
import { sumUsage } from "../../orchestrator/resources.ts";
import type { AgentRuntime } from "../../orchestrator/runtime.ts";
import type { Handler } from "../context.ts";
import { wireTimestamp } from "../../protocol/envelope.ts";
import { noArgs } from "./args.ts";
import { NO_USAGE, sampleAll, uptime } from "./usage.ts";
import { processUsage } from "./views.ts";

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
    const { events } = orchestrator;
    const counts = events.counts();
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
        const own = processUsage(pid, pid === null ? NO_USAGE : (usage.get(pid) ?? NO_USAGE));
        return { name: runtime.config.name, pid, status: runtime.status, memory_usage: own.memory_usage, memory_bytes: own.memory_bytes };
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
        by_agent: runtimes.filter((runtime) => runtime.config.kind === "periodic").map(agentExecutions),
      },
      events: {
        total: events.totalRecorded,
        by_type: counts.byType,
        by_severity: counts.bySeverity,
        capacity_info: events.capacityInfo(),
        last_errors: events.query({ severity: "ERROR" }, LAST_ERRORS),
      },
    };
  },
};

/** How many of the newest ERROR events the report lists. */
const LAST_ERRORS = 5;

function agentExecutions(runtime: AgentRuntime): AgentExecutions {
  const { runs, failures, totalDurationMs, recentDurationsMs } = runtime.executions;
  return {
    agent: runtime.config.name,
    runs,
    failures,
    average_duration_ms: runs === 0 ? 0 : Math.round(totalDurationMs / runs),
    p95_duration_ms: percentile(recentDurationsMs, 0.95),
  };
}

/** Nearest-rank percentile (0 for no values): the smallest value at least `p` of them do not exceed. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number);
}
