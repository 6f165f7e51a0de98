// The conversion report: one row per config key an export carried across (or could not), and its
// table. Rows marked ~ (approximated) or ✗ (no equivalent) are the warnings that --strict refuses.

import { AGENT_KEYS, ORCHESTRATOR_KEYS } from "../config/schema.ts";

export type Level = "converted" | "approximated" | "none";

export interface Row {
  /** The agent's name, or ORCHESTRATOR for an [orchestrator] key. */
  agent: string;
  /** The config key, as the TOML file spells it (depends_on.X for one edge). */
  key: string;
  level: Level;
  /** What the key became, or why it has no equivalent. */
  note: string;
}

export const ORCHESTRATOR = "[orchestrator]";

const MARK: Record<Level, string> = { converted: "✓", approximated: "~", none: "✗" };

/** Collects rows for one export; the same row (agent, key, note) is kept once. */
export class Report {
  readonly rows: Row[] = [];

  ok(agent: string, key: string, note: string): void {
    this.add({ agent, key, level: "converted", note });
  }

  approx(agent: string, key: string, note: string): void {
    this.add({ agent, key, level: "approximated", note });
  }

  none(agent: string, key: string, note: string): void {
    this.add({ agent, key, level: "none", note });
  }

  add(row: Row): void {
    if (!this.rows.some((r) => r.agent === row.agent && r.key === row.key && r.note === row.note)) this.rows.push(row);
  }

  /** The rows that lose something: approximated or without equivalent. */
  warnings(): Row[] {
    return this.rows.filter((row) => row.level !== "converted");
  }
}

/** Rows by agent (in order of first appearance), then by the key's place in the config schema. */
export function sortRows(rows: readonly Row[]): Row[] {
  const agents = [...new Set(rows.map((r) => r.agent))];
  const place = (row: Row) => {
    const keys: readonly string[] = row.agent === ORCHESTRATOR ? ORCHESTRATOR_KEYS : AGENT_KEYS;
    const index = keys.indexOf(row.key.split(/[.,]/)[0] as string);
    return index === -1 ? keys.length : index;
  };
  return [...rows].sort((a, b) => agents.indexOf(a.agent) - agents.indexOf(b.agent) || place(a) - place(b));
}

/** The table written on stderr: AGENT KEY CONVERSION, then a count. */
export function renderReport(unsorted: readonly Row[], target: string): string {
  const rows = sortRows(unsorted);
  const header = { agent: "AGENT", key: "KEY" };
  const agentWidth = Math.max(header.agent.length, ...rows.map((r) => r.agent.length));
  const keyWidth = Math.max(header.key.length, ...rows.map((r) => r.key.length));
  const lines = [`${header.agent.padEnd(agentWidth)}  ${header.key.padEnd(keyWidth)}  ${target.toUpperCase()}`];
  for (const row of rows) lines.push(`${row.agent.padEnd(agentWidth)}  ${row.key.padEnd(keyWidth)}  ${MARK[row.level]} ${row.note}`);
  const count = (level: Level) => rows.filter((r) => r.level === level).length;
  lines.push(
    `${count("converted")} converted (✓), ${count("approximated")} approximated (~), ${count("none")} without equivalent (✗); ` +
      "keys left at their defaults are not listed",
  );
  return lines.join("\n");
}

export function markOf(level: Level): string {
  return MARK[level];
}
