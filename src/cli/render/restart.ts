// `restart AGENT`.

import type { RestartData } from "../../protocol/commands.ts";

export function renderRestart(data: RestartData): string {
  if (data.pid !== null) return `✓ Agent '${data.agent}' restarted successfully (PID: ${data.pid})`;
  return `✓ Agent '${data.agent}' restarted (status: ${data.status})`;
}
