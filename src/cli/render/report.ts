// `report`: the reference's system report, then executions (per periodic agent too) and an event summary.

import type { ReportData } from "../../protocol/reports.ts";
import { formatMilliseconds, formatPercent, groupThousands } from "../../protocol/format.ts";
import { keptText, renderEventLine } from "./history.ts";
import { renderTable } from "./table.ts";

export function renderReport(data: ReportData): string {
  return [
    "PyOrchestrate System Report",
    "===========================",
    `Generated: ${data.generated}`,
    "",
    "Orchestrator Configuration:",
    `  Name: ${data.orchestrator.name}`,
    `  Socket: ${data.orchestrator.socket}`,
    `  Uptime: ${data.orchestrator.uptime}`,
    `  Config: ${data.orchestrator.config_path}`,
    "",
    "Agent Details:",
    ...agentLines(data.agents),
    "",
    "System Resources:",
    `  Total Memory: ${data.system.total_memory}`,
    `  CPU Usage: ${data.system.cpu_usage}`,
    `  Load Average: ${data.system.load_average.map((load) => load.toFixed(2)).join(", ")}`,
    "",
    "Dependencies Graph:",
    ...dependencyLines(data.dependencies.edges),
    "",
    "Performance Metrics:",
    `  Messages processed: ${groupThousands(data.performance.messages_processed)}`,
    `  Average response time: ${formatMilliseconds(data.performance.average_response_time_ms)}`,
    `  Error rate: ${formatPercent(data.performance.error_rate * 100)}`,
    "",
    "Executions:",
    executionLine(data.executions),
    ...periodicLines(data.executions.by_agent),
    "",
    "Events:",
    `  Total: ${groupThousands(data.events.total)}  |  ${keptText(data.events.capacity_info)}`,
    ...eventLines(data.events.by_type),
    ...lastErrorLines(data.events.last_errors),
  ].join("\n");
}

// `WeatherAgent (PID: 12345)    - running   - Memory: 45.2 MB`, the dashes aligned.
function agentLines(agents: ReportData["agents"]): string[] {
  if (agents.length === 0) return ["  (no agents)"];
  const labels = agents.map((agent) => `${agent.name} (PID: ${agent.pid ?? "-"})`);
  const labelWidth = Math.max(...labels.map((label) => label.length));
  const statusWidth = Math.max(...agents.map((agent) => agent.status.length));
  return agents.map((agent, i) => `  ${(labels[i] ?? "").padEnd(labelWidth)}   - ${agent.status.padEnd(statusWidth)}   - Memory: ${agent.memory_usage}`);
}

function dependencyLines(edges: ReportData["dependencies"]["edges"]): string[] {
  if (edges.length === 0) return ["  (no dependencies)"];
  const lines = edges.map((edge) => `  ${edge.satisfied ? "✓" : "✗"} ${edge.from} → ${edge.to}`);
  const unsatisfied = edges.filter((edge) => !edge.satisfied).length;
  lines.push(unsatisfied === 0 ? "  ✓ All dependencies satisfied" : `  ✗ ${unsatisfied} ${unsatisfied === 1 ? "dependency" : "dependencies"} unsatisfied`);
  return lines;
}

/** Each periodic agent's runs, as a small table under the totals. */
function periodicLines(agents: ReportData["executions"]["by_agent"]): string[] {
  if (agents.length === 0) return [];
  const rows = agents.map((agent) => [
    agent.agent,
    groupThousands(agent.runs),
    groupThousands(agent.failures),
    formatMilliseconds(agent.average_duration_ms),
    formatMilliseconds(agent.p95_duration_ms),
  ]);
  const table = renderTable(["AGENT", "RUNS", "FAILURES", "AVERAGE", "P95"], rows);
  return ["", ...table.split("\n").map((line) => `  ${line}`)];
}

function lastErrorLines(errors: ReportData["events"]["last_errors"]): string[] {
  if (errors.length === 0) return [];
  return ["", "Last errors:", ...errors.map((event) => `  ${renderEventLine(event)}`)];
}

function executionLine(executions: ReportData["executions"]): string {
  const runs = groupThousands(executions.runs);
  const failures = groupThousands(executions.failures);
  return `  Runs: ${runs}  |  Failures: ${failures}  |  Average duration: ${formatMilliseconds(executions.average_duration_ms)}`;
}

// Most frequent first, ties by name.
function eventLines(byType: Record<string, number>): string[] {
  return Object.entries(byType)
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, count]) => `  ${type}: ${groupThousands(count)}`);
}
