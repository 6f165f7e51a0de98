// `stats --watch` on a terminal: the orchestrator's totals around a live table of agents, fitted
// to the screen (lines cut at its width, agents that do not fit counted instead of scrolling).

import type { StatsAgent, StatsWatchFrame } from "../../protocol/reports.ts";
import { statusLabel, utcClock } from "./status-label.ts";
import { renderTable } from "./table.ts";

export const WATCH_HEADERS = ["NAME", "STATUS", "PID", "CPU %", "MEM MB", "RESTARTS", "UPTIME"];

export interface WatchView {
  /** Seconds between frames, shown in the title. */
  intervalSeconds: number;
  /** The frame's envelope timestamp (UTC ISO), shown as its UTC time of day (`10:45:02Z`). */
  timestamp: string;
  /** The screen to fit; unbounded when left out. */
  columns?: number;
  rows?: number;
}

export function renderStatsWatch(frame: StatsWatchFrame, view: WatchView): string {
  const o = frame.orchestrator;
  const d = frame.dependencies;
  const header = [
    `pyorchestrate stats  ·  every ${formatInterval(view.intervalSeconds)}  ·  ${utcClock(view.timestamp)}  ·  Ctrl+C to quit`,
    `Uptime: ${o.uptime}  |  Agents: ${o.total_agents}  |  Running: ${o.running_agents}  |  Waiting: ${o.waiting_agents}  |  Failed: ${o.failed_agents}`,
    "",
  ];
  const footer = [
    "",
    `Total (serve + agents): CPU ${frame.system.cpu_usage}  |  Memory ${frame.system.memory_usage}  |  Open files ${frame.system.open_files}`,
    `Dependencies: ${d.total_dependencies}  |  Satisfied: ${d.satisfied}  |  Unsatisfied: ${d.unsatisfied}`,
  ];
  const rows = frame.agents.map(agentRow);
  let table: string[];
  if (rows.length === 0) {
    table = ["No agents configured."];
  } else {
    // Header, table title, footer and the "more" line must fit; the agents share what is left.
    const room = view.rows === undefined ? rows.length : Math.max(1, view.rows - header.length - footer.length - 2);
    const shown = rows.length <= room + 1 ? rows : rows.slice(0, room);
    table = renderTable(WATCH_HEADERS, shown).split("\n");
    const hidden = rows.length - shown.length;
    if (hidden > 0) table.push(`… ${hidden} more ${hidden === 1 ? "agent" : "agents"} (enlarge the terminal to see them)`);
  }
  const lines = [...header, ...table, ...footer];
  return (view.columns === undefined ? lines : lines.map((line) => clip(line, view.columns as number))).join("\n");
}

function agentRow(agent: StatsAgent): string[] {
  const live = agent.pid !== null;
  return [
    agent.name,
    statusLabel(agent),
    live ? String(agent.pid) : "-",
    agent.cpu_percent === null ? "-" : agent.cpu_percent.toFixed(1),
    agent.memory_bytes === null ? "-" : (agent.memory_bytes / 1_000_000).toFixed(1),
    String(agent.restarts),
    live ? agent.uptime : "-",
  ];
}

/** `2s`, `0.5s`, `1m`, `1m30s`. */
export function formatInterval(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(2))}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Number((seconds % 60).toFixed(2));
  return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
}

/** A line cut to the screen's width (by characters: the frame is plain text, no escapes). */
function clip(line: string, columns: number): string {
  const chars = [...line];
  return chars.length <= columns ? line : chars.slice(0, Math.max(0, columns)).join("");
}
