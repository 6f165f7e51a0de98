// `status AGENT` and `status` (the orchestrator itself).

import type { AgentStatusData, HealthCheckView, OrchestratorStatusData } from "../../protocol/commands.ts";
import { formatConfigValue } from "./config-value.ts";
import { statusLabel } from "./status-label.ts";

export function renderAgentStatus(data: AgentStatusData): string {
  const lines = [
    `Agent: ${data.name}`,
    `Status: ${statusLabel(data)}`,
    `PID: ${data.pid ?? "-"}`,
    `Uptime: ${data.uptime}`,
    `Memory: ${data.memory_usage}`,
    `CPU: ${data.cpu_usage}`,
    `Last Activity: ${data.last_activity ?? "-"}`,
    "",
    "Configuration:",
  ];
  const settings = Object.entries(data.configuration);
  if (settings.length === 0) lines.push("  (none)");
  for (const [key, value] of settings) lines.push(`  ${key}: ${formatConfigValue(key, value)}`);

  if (data.depends_on.length > 0) {
    lines.push("", "Depends on:");
    for (const dependency of data.depends_on) {
      lines.push(`  ${dependency.satisfied ? "✓" : "✗"} ${dependency.agent} (${dependency.condition})`);
    }
  }

  const checks = (["ready", "alive"] as const).filter((name) => data.health?.[name]);
  if (checks.length > 0) {
    lines.push("", "Health checks:");
    for (const name of checks) lines.push(`  ${name}: ${checkLine(data.health[name] as HealthCheckView)}`);
  }

  const extras: string[] = [];
  if (data.restarts > 0) extras.push(`Restarts: ${data.restarts}`);
  if (data.last_exit_code !== null) extras.push(`Last exit code: ${data.last_exit_code}`);
  if (data.last_error) extras.push(`Last error: ${data.last_error}`);
  if (data.next_run !== null) extras.push(`Next run: ${data.next_run}`);
  if (extras.length > 0) lines.push("", ...extras);
  return lines.join("\n");
}

/** `✓ passing (connected, 10:15:02Z)`, `✗ failing ×3 (HTTP 500, …)`, `… not checked yet`. */
function checkLine(view: HealthCheckView): string {
  const last = view.last_result;
  if (!last) return "… not checked yet";
  const state =
    view.healthy === true
      ? "✓ passing"
      : view.healthy === false
        ? `✗ failing ×${view.consecutive_failures}`
        : last.ok
          ? "… passed once"
          : `… failed ×${view.consecutive_failures}`;
  return `${state} (last: ${last.message}, ${last.at.replace(/\.\d{3}Z$/, "Z")})`;
}

export function renderOrchestratorStatus(data: OrchestratorStatusData): string {
  return [
    `Orchestrator: ${data.name}`,
    "Status: running",
    `PID: ${data.pid}`,
    `Uptime: ${data.uptime}`,
    `Agents: ${data.total_agents} total  |  Running: ${data.running_agents}  |  Waiting: ${data.waiting_agents}  |  Failed: ${data.failed_agents}`,
    `Max workers: ${data.max_workers === 0 ? "unlimited" : data.max_workers}`,
    `Command socket: ${data.command_socket_path}`,
    `Version: ${data.version}`,
  ].join("\n");
}
