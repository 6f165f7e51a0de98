// Facts about processes read from /proc (Linux): the few fields supervision needs, with zombies
// counted as gone (a zombie runs nothing and holds nothing; it only waits to be reaped).

import { readdirSync, readFileSync } from "node:fs";

export interface ProcessStat {
  pid: number;
  /** One letter: R, S, D, Z, T, … */
  state: string;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot (field 22): the same pid with another start is another process. */
  startTicks: number;
}

export function readStat(pid: number): ProcessStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may hold spaces and parentheses: fields start after the last ')', at field 3.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, state: fields[0] ?? "?", ppid: Number(fields[1]), pgid: Number(fields[2]), startTicks: Number(fields[19]) };
  } catch {
    return null;
  }
}

export function isLive(stat: ProcessStat | null): stat is ProcessStat {
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

export function startTicks(pid: number): number | null {
  return readStat(pid)?.startTicks ?? null;
}

/** Every pid in /proc except our own. */
export function allPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const pid = Number(entry);
    if (pid !== process.pid) pids.push(pid);
  }
  return pids;
}

/** The process's environment as `KEY=value` strings; empty when it is gone or not ours to read. */
export function environ(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
  } catch {
    return [];
  }
}
