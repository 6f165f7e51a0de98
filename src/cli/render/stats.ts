// `stats`: the reference's statistics block.

import type { StatsData } from "../../protocol/reports.ts";

export function renderStats(data: StatsData): string {
  const { orchestrator: o, system, dependencies: d } = data;
  return [
    "Orchestrator Statistics",
    "=======================",
    `Uptime: ${o.uptime}`,
    `Total Agents: ${o.total_agents}`,
    `Running: ${o.running_agents}  |  Waiting: ${o.waiting_agents}  |  Failed: ${o.failed_agents}`,
    "",
    "System Resources:",
    `  Memory: ${system.memory_usage}`,
    `  CPU: ${system.cpu_usage}`,
    `  Open Files: ${system.open_files}`,
    "",
    "Dependencies:",
    `  Total: ${d.total_dependencies}  |  Satisfied: ${d.satisfied}  |  Unsatisfied: ${d.unsatisfied}`,
  ].join("\n");
}
