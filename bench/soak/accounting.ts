// Invariant (2): the processes on the machine that carry this run's marker match what ps reports,
// and none is an orphan outside the process group of its agent's pid.

import type { PsAgent } from "../../src/protocol/commands.ts";
import { commandLine, isAlive, type MarkedProcess, markedProcesses } from "../lib/procfs.ts";
import { pause } from "./interrupt.ts";
import { MARKER_ENV } from "./plan.ts";
import { psNow, type Run } from "./run.ts";
import type { Verdict } from "./verdicts.ts";

/** A process-accounting discrepancy must last this long to count: exits and reaping take a moment. */
const PERSIST_MS = 3_000;

/** One snapshot's discrepancies between ps (before and after a /proc scan) and the marked processes. */
function accountingIssues(before: PsAgent[], processes: MarkedProcess[], after: PsAgent[]): Map<string, string> {
  const issues = new Map<string, string>();
  const beforeByName = new Map(before.map((agent) => [agent.name, agent]));
  const byPid = new Map(processes.map((process_) => [process_.pid, process_]));
  for (const agent of after) {
    if (agent.pid === null || beforeByName.get(agent.name)?.pid !== agent.pid) continue;
    const found = byPid.get(agent.pid);
    if (!found) {
      const state = isAlive(agent.pid) ? `pid ${agent.pid} is alive but not marked as this run's` : `no live process ${agent.pid}`;
      issues.set(`missing:${agent.name}:${agent.pid}`, `${agent.name} (${agent.status}) reported with pid ${agent.pid}: ${state}`);
    } else if (found.agent !== agent.name) {
      issues.set(`owner:${agent.pid}`, `pid ${agent.pid} reported for ${agent.name} belongs to ${found.agent}`);
    }
  }
  const afterByName = new Map(after.map((agent) => [agent.name, agent]));
  for (const process_ of processes) {
    const leaders = [beforeByName.get(process_.agent ?? "")?.pid, afterByName.get(process_.agent ?? "")?.pid].filter(
      (pid): pid is number => typeof pid === "number",
    );
    if (leaders.includes(process_.pid) || leaders.includes(process_.pgrp)) continue;
    const status = afterByName.get(process_.agent ?? "")?.status ?? "unknown";
    issues.set(
      `orphan:${process_.pid}`,
      `pid ${process_.pid} (${commandLine(process_.pid)}; agent ${process_.agent}, now ${status}; ppid ${process_.ppid}, pgrp ${process_.pgrp}) is not in the group of any pid ps reports for its agent`,
    );
  }
  return issues;
}

/** (2): passes on three clean snapshots in a row; fails when one discrepancy lasts PERSIST_MS. */
export async function accountProcesses(run: Run): Promise<Verdict> {
  const name = "(2) processes match ps, no orphans";
  const firstSeen = new Map<string, { at: number; text: string }>();
  const deadline = Date.now() + Math.max(15_000, run.options.settleTimeout * 1000);
  let clean = 0;
  let snapshots = 0;
  let processCount = 0;
  while (Date.now() < deadline) {
    const before = await psNow(run);
    const processes = markedProcesses(MARKER_ENV, run.marker);
    const after = await psNow(run);
    if (before && after) {
      snapshots++;
      processCount = processes.length;
      const issues = accountingIssues(before, processes, after);
      clean = issues.size === 0 ? clean + 1 : 0;
      if (clean >= 3) {
        const leaders = after.filter((agent) => agent.pid !== null).length;
        return { name, ok: true, summary: `${processCount} processes for ${leaders} agents with a pid, ${snapshots} snapshots`, details: [] };
      }
      for (const key of firstSeen.keys()) if (!issues.has(key)) firstSeen.delete(key);
      for (const [key, text] of issues) if (!firstSeen.has(key)) firstSeen.set(key, { at: Date.now(), text });
      const lasting = [...firstSeen.values()].filter((issue) => Date.now() - issue.at >= PERSIST_MS);
      if (lasting.length > 0) {
        return { name, ok: false, summary: `${lasting.length} discrepancies lasted ≥ ${PERSIST_MS / 1000}s`, details: lasting.map((issue) => issue.text) };
      }
    }
    await pause(250);
  }
  return { name, ok: false, summary: "no three clean snapshots in a row", details: [...firstSeen.values()].map((issue) => issue.text) };
}
