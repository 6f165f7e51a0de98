// start/stop/restart/run of several agents: one line per agent, as the one-agent lines read.

import type { AgentOutcome, ManyAgentsData } from "../../protocol/commands.ts";

export function renderMany(data: ManyAgentsData): string {
  const lines = data.agents.map(line);
  if (data.failed > 0) lines.push(`✗ ${data.failed} of ${data.agents.length} failed`);
  return lines.join("\n");
}

function line(outcome: AgentOutcome): string {
  const agent = `Agent '${outcome.agent}'`;
  const pid = outcome.pid === null ? ` (status: ${outcome.status})` : ` (PID: ${outcome.pid})`;
  switch (outcome.outcome) {
    case "started":
      return `✓ ${agent} started${pid}`;
    case "restarted":
      return `✓ ${agent} restarted${pid}`;
    case "run started":
      return `✓ ${agent} run started${pid}`;
    case "stopped":
      return outcome.graceful_shutdown === false ? `✓ ${agent} stopped (killed with SIGKILL after stop_timeout)` : `✓ ${agent} stopped gracefully`;
    case "already running":
    case "already stopped":
      return `✓ ${agent} ${outcome.outcome}`;
    case "failed":
      return `✗ ${agent}: ${outcome.error?.message ?? "failed"}`;
  }
}
