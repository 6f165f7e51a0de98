// `start AGENT`: the dependencies it started first, then the agent itself.

import type { StartData } from "../../protocol/commands.ts";
import { waitingReasonText } from "./status-label.ts";

export function renderStart(data: StartData): string {
  const lines = data.also_started.map((dependency) => `✓ Started dependency '${dependency}' first`);
  lines.push(mainLine(data));
  return lines.join("\n");
}

function mainLine(data: StartData): string {
  if (data.pid !== null) return `✓ Agent '${data.agent}' started successfully (PID: ${data.pid})`;
  if (data.status === "waiting") {
    if (data.waiting_reason === null) return `✓ Agent '${data.agent}' queued`;
    const place = data.queue_position === null ? "" : ` #${data.queue_position}`;
    return `✓ Agent '${data.agent}' queued (waiting: ${waitingReasonText(data.waiting_reason)}${place})`;
  }
  return `✓ Agent '${data.agent}' started (status: ${data.status})`;
}
