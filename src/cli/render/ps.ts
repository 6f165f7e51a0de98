// `ps`: one row per agent.

import type { PsData } from "../../protocol/commands.ts";
import { statusLabel, utcClock } from "./status-label.ts";
import { renderTable } from "./table.ts";

// The reference's NAME column is 17 characters wide with its gap; narrower content keeps that.
const MIN_WIDTHS = [14];

/** `ps --wide`: also the kind, restarts, the next run and what a notify agent last said (STATUS=). */
export function renderPsWide(data: PsData): string {
  if (data.agents.length === 0) return "No agents configured.";
  const rows = data.agents.map((agent) => [
    agent.name,
    statusLabel(agent),
    agent.pid === null ? "-" : String(agent.pid),
    agent.pid === null ? "-" : agent.uptime,
    agent.kind,
    String(agent.restarts),
    agent.next_run === null ? "-" : utcClock(agent.next_run),
    agent.status_text ?? "-",
  ]);
  return renderTable(["NAME", "STATUS", "PID", "UPTIME", "KIND", "RESTARTS", "NEXT RUN", "STATUS TEXT"], rows, { minWidths: MIN_WIDTHS });
}

export function renderPs(data: PsData): string {
  if (data.agents.length === 0) return "No agents configured.";
  const rows = data.agents.map((agent) => [
    agent.name,
    statusLabel(agent),
    agent.pid === null ? "-" : String(agent.pid),
    agent.pid === null ? "-" : agent.uptime,
  ]);
  return renderTable(["NAME", "STATUS", "PID", "UPTIME"], rows, { minWidths: MIN_WIDTHS });
}
