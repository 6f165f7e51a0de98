// What bench/run.ts needs from each supervisor under test: start N identical `sleep` agents,
// say when its own status channel reports them all running, name their pids, stop them all,
// and clean up after itself (by pid, never by name).

import { rmSync } from "node:fs";

export const AGENT_COMMAND = ["sleep", "86400"] as const;
/** Every agent of one bench run carries BENCH_RUN=<id>: leftovers are found by it, never by name. */
export const MARKER_ENV = "PYO_BENCH_RUN";

const leftBehind: string[] = [];

/**
 * A run's temporary directory goes once the whole bench is done, not between runs: deleting
 * thousands of files makes the next file creations on the same ext4 slow for a while (it scans
 * for recently deleted inodes), which would be charged to whichever tool runs next.
 * PYO_BENCH_KEEP=1 keeps them all for a post-mortem.
 */
export function removeLater(dir: string): void {
  leftBehind.push(dir);
}

export function removeLeftBehind(): void {
  if (process.env.PYO_BENCH_KEEP) return;
  for (const dir of leftBehind.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function agentNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `a${String(i + 1).padStart(4, "0")}`);
}

export interface ToolRun {
  /** The supervisor's own processes (daemon, or svscan + per-service supervisors): their CPU and memory are measured. */
  supervisorPids(): number[];
  /** How the memory row is read: one daemon's RSS, or PSS summed over a tree of small processes. */
  readonly memoryKind: "RSS" | "PSS";
  /** Spawns the supervisor with its N agents (returns once the spawn is issued; the clock runs from before it). */
  launch(): Promise<void>;
  /** One poll of the tool's own status channel: true when it reports all N agents running. */
  allRunning(): Promise<boolean>;
  /** name → pid, as the tool reports them. */
  agentPids(): Promise<Map<string, number>>;
  /** The process whose direct children are this agent's processes (the replacement after a kill appears there). */
  agentParent(name: string): number;
  /** Fresh CLI process asking for the status of every agent (or what the tool has closest). */
  readonly statusCommand: { argv: string[]; env: Record<string, string | undefined>; note?: string };
  /** A fresh CLI process that does nothing but start (pyorchestrate's `--version`): timed alternately with the status command. */
  readonly baselineCommand?: { argv: string[]; env: Record<string, string | undefined> };
  /** Stops every agent with the tool's own command; resolves when that command has returned. */
  stopAll(): Promise<void>;
  /** Closes a status connection the run holds open, before the idle window ("nothing asking"). */
  quiesce?(): void;
  /** Ends whatever this run started that is still there (by pid) and removes its directory. */
  teardown(): Promise<void>;
}

export interface Tool {
  readonly name: string;
  /** Version string for the results, known once prepare() has run. */
  version: string;
  /** Finds or installs the tool; throws with the reason when it cannot be used. */
  prepare(): Promise<void>;
  /** A run with `n` agents under a fresh temporary directory. */
  create(n: number, marker: string): ToolRun;
}
