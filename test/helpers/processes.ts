// Facts about processes read from /proc, with zombies counted as gone (a reparented zombie
// waits for init to reap it, but it runs nothing and holds nothing).

import { readdirSync, readFileSync } from "node:fs";
// The bench's reader (one implementation for both): the argv joined by spaces, "?" once gone.
import { commandLine } from "../../bench/lib/procfs.ts";

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, state: fields[0] ?? "?", ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

/** Live processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") members.push(stat.pid);
  }
  return members;
}

/** Live processes whose environment says they were started for one of these agent names in `marker`'s tree. */
export function processesWithEnv(name: string, value: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(`${name}=${value}`) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** serve's death guard (src/system/death-guard.ts): its child whose script reads GUARD_MATCH. */
export function deathGuardOf(servePid: number): number | null {
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || readStat(pid)?.ppid !== servePid) continue;
    if (commandLine(pid).includes("GUARD_MATCH")) return pid;
  }
  return null;
}

/** `pids` when their command lines are exactly `commands` (any order): the final shape, not a moment mid-fork. */
export function exactly(pids: number[], commands: string[]): number[] | null {
  const seen = pids.map(commandLine).sort();
  const wanted = [...commands].sort();
  return seen.length === wanted.length && seen.every((line, i) => line === wanted[i]) ? pids : null;
}
