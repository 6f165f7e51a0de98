// One soak run's state (serve, plans, load, samples, findings) and the small acts on it every
// phase shares: ask ps, check serve, kill a process of this run, print progress.

import type { Subprocess } from "bun";
import { join } from "node:path";
import { request } from "../../src/client/connection.ts";
import type { PsAgent } from "../../src/protocol/commands.ts";
import { markedProcess } from "../lib/procfs.ts";
import { mulberry32 } from "../lib/random.ts";
import type { Options } from "./options.ts";
import { type AgentPlan, MARKER_ENV, planAgents } from "./plan.ts";
import { Tally, type Transport } from "./tally.ts";

export interface Sample {
  at: number;
  rss: number;
  fds: number;
}

export interface Measure {
  /**
   * serve's fds less FDS_PER_LIVE_AGENT per live agent process and less the agents' open log
   * files (opened at an agent's first output, at most one per agent): what should not grow.
   */
  fds: number;
  logFiles: number;
  rawFds: number;
  live: number;
  rss: number;
  /** Open fds by kind (socket, pidfd, /proc/*\/stat …) at that moment. */
  kinds: Map<string, number>;
}

export interface Run {
  options: Options;
  dir: string;
  socket: string;
  marker: string;
  plans: AgentPlan[];
  byName: Map<string, AgentPlan>;
  serve: Subprocess<"ignore", "ignore", number> | null;
  serveLog: string;
  random: () => number;
  tally: Tally;
  load: { paused: boolean; stopped: boolean; inFlight: number };
  samples: Sample[];
  kills: { leaders: number; descendants: number };
  /** `agent:pid` of every agent process any ps answer showed. */
  pidsSeen: Set<string>;
  psChecked: number;
  psProblems: string[];
}

export function createRun(options: Options, dir: string): Run {
  const plans = planAgents(options.agents);
  return {
    options,
    dir,
    socket: join(dir, "s.sock"),
    marker: `soak-${crypto.randomUUID()}`,
    plans,
    byName: new Map(plans.map((plan) => [plan.name, plan])),
    serve: null,
    serveLog: join(dir, "serve.log"),
    random: mulberry32(options.seed),
    tally: new Tally(),
    load: { paused: false, stopped: false, inFlight: 0 },
    samples: [],
    kills: { leaders: 0, descendants: 0 },
    pidsSeen: new Set(),
    psChecked: 0,
    psProblems: [],
  };
}

/** A connection per request, as the CLI makes. */
export function directTo(run: Run): Transport {
  return (command, args, timeoutMs) => request(command, args, { socketPath: run.socket, timeoutMs });
}

export async function psNow(run: Run): Promise<PsAgent[] | null> {
  try {
    const envelope = await request("ps", {}, { socketPath: run.socket, timeoutMs: 10_000 });
    return envelope.status === "success" ? envelope.data.agents : null;
  } catch {
    return null;
  }
}

export function serveAlive(run: Run): boolean {
  return run.serve !== null && run.serve.exitCode === null && run.serve.signalCode === null;
}

/** SIGKILL, but only to a live process of this run (of `agent`, when given): never a reused pid. */
export function killMarked(run: Run, pid: number, agent: string | null): boolean {
  const process_ = markedProcess(pid, MARKER_ENV, run.marker);
  if (!process_ || (agent !== null && process_.agent !== agent)) return false;
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

const startedAt = Date.now();

/** Seconds since the soak started, for progress lines and findings. */
export function elapsedSeconds(): number {
  return (Date.now() - startedAt) / 1000;
}

export function progress(message: string): void {
  process.stderr.write(`[soak ${elapsedSeconds().toFixed(0).padStart(4)}s] ${message}\n`);
}
