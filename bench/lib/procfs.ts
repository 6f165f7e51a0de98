// What /proc says about serve (resident memory, open fds) and about the processes a soak run
// started, found by an environment marker only that run's agents carry. Zombies count as gone.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface MarkedProcess {
  pid: number;
  ppid: number;
  /** Process group: an agent's leader heads its own, and its descendants stay in it unless they setsid. */
  pgrp: number;
  /** PYORCHESTRATE_AGENT from the environment (serve sets it for every agent process). */
  agent: string | null;
}

interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "?", ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

/** The process if it is alive and its environment holds `name=value`; null otherwise. */
export function markedProcess(pid: number, name: string, value: string): MarkedProcess | null {
  let env: string[];
  try {
    env = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
  } catch {
    return null; // gone, or not ours to read
  }
  if (!env.includes(`${name}=${value}`)) return null;
  const stat = readStat(pid);
  if (stat === null || stat.state === "Z" || stat.state === "X") return null;
  const agentEntry = env.find((entry) => entry.startsWith("PYORCHESTRATE_AGENT="));
  return { pid, ppid: stat.ppid, pgrp: stat.pgrp, agent: agentEntry ? agentEntry.slice("PYORCHESTRATE_AGENT=".length) : null };
}

/** Every live process whose environment holds `name=value`. */
export function markedProcesses(name: string, value: string): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const process = markedProcess(Number(entry), name, value);
    if (process) found.push(process);
  }
  return found;
}

/** The command line, for messages ("sleep 86400"). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "?";
  }
}

/** A memory field of /proc/<pid>/status in bytes, or null when the process is gone. */
export function statusBytes(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return match?.[1] ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** VmRSS (resident memory) in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  return statusBytes(pid, "VmRSS");
}

/** Open file descriptors, or null when the process is gone. */
export function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/**
 * Open fds by what they point at: socket, pipe, pidfd, /proc/*\/stat, <dir>/logs/*… (pids and
 * agent log names folded), to say which kind grew.
 */
export function fdKinds(pid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return kinds;
  }
  for (const fd of entries) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const kind = target
      .replace(/^(socket|pipe):\[\d+\]$/, "$1")
      .replace(/^anon_inode:\[?([a-z_]+)\]?$/, "$1")
      .replace(/^\/proc\/\d+\//, "/proc/*/")
      .replace(/\/logs\/[^/]+$/, "/logs/*");
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return kinds;
}
