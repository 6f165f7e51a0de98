// One run of an agent: a child process leading its own process group, with its output drained to the log.

import type { Subprocess } from "bun";
import { constants } from "node:os";
import type { AgentConfig } from "../config/types.ts";
import { ownChild } from "../system/own-children.ts";
import { RUN_ENV, endEscapees } from "./escapees.ts";
import { SERVE_ID_ENV } from "./leftovers.ts";
import { accountEnv, launchPrefix } from "./launch-identity.ts";
import type { OutputLog } from "./output-log.ts";

export interface ExitInfo {
  /** null when the process was ended by a signal. */
  code: number | null;
  signal: string | null;
  /** code, or 128 + signal number, as a shell reports it. */
  status: number;
}

export interface AgentProcess {
  readonly pid: number;
  readonly startedAt: number;
  /**
   * Resolves as soon as the leader has exited and its group has been sent SIGKILL: before the
   * run's escaped descendants are ended and its output is drained (`exited` waits for both).
   */
  readonly ended: Promise<ExitInfo>;
  /** Resolves once the process has exited and its output is fully in the log. */
  readonly exited: Promise<ExitInfo>;
  /** Signals the whole process group; false when nothing was there to signal. */
  signalGroup(signal: NodeJS.Signals | number): boolean;
}

/** After the leader exits, how long output from an escaped descendant may keep its pipes open. */
const DRAIN_GRACE_MS = 2_000;

export interface SpawnOptions {
  /** Marks every process of this serve, so a later serve can find what a killed one left. */
  instance: string;
  /** Prepended to the command (parent-death.ts). */
  prefix: readonly string[];
  /** Whether to end the run's escaped descendants when it exits (escapees.ts); off during a shutdown, which sweeps once for all. */
  sweepEscapees(): boolean;
  /** Variables serve adds for this run (NOTIFY_SOCKET and WATCHDOG_USEC of a notify agent). */
  env?: Record<string, string>;
}

let runs = 0;
/** Leaders of the runs going now (spawned, exit not yet seen): the escapee scan need not read them. */
const liveLeaders = new Set<number>();

/** Throws when the command or cwd is missing. */
export function spawnAgent(config: AgentConfig, log: OutputLog, options: SpawnOptions): AgentProcess {
  const runId = `${options.instance}.${++runs}`;
  const env = { ...agentEnv(config, options.instance, runId), ...options.env };
  const prefix = launchPrefix(config, options.prefix);
  const [program = "", ...args] = config.command;
  // Resolved here so a missing program fails the spawn itself, not a wrapper's exec of it.
  const resolved = Bun.which(program, { PATH: env.PATH ?? "", cwd: config.cwd });
  if (resolved === null) throw new Error(`ENOENT: no such executable: '${program}' (cwd ${config.cwd})`);
  // The child inherits the umask at fork; spawning is synchronous, so no other spawn sees it.
  const previousUmask = config.umask === null ? null : process.umask(config.umask);
  let child: Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn([...prefix, resolved, ...args], {
      cwd: config.cwd,
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      // setsid(): the agent leads its own group, so a stop reaches its grandchildren too.
      detached: true,
    });
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
  }
  // Bun reaps it: serve's orphan reaper must not (own-children.ts).
  ownChild(child);
  const pid = child.pid;
  liveLeaders.add(pid);
  const signalGroup = (signal: NodeJS.Signals | number): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  const pipes = [log.drain(child.stdout, "stdout"), log.drain(child.stderr, "stderr")];
  const output = Promise.all(pipes.map((pipe) => pipe.finished));
  const ended = child.exited.then((code): ExitInfo => {
    liveLeaders.delete(pid);
    // Whatever the leader left behind goes with it: its group, and descendants that left the group.
    signalGroup("SIGKILL");
    const signal = typeof child.signalCode === "string" ? child.signalCode : null;
    const status = code ?? 128 + signalNumber(signal);
    return { code: signal === null ? code : null, signal, status };
  });
  const exited = ended.then(async (info) => {
    if (options.sweepEscapees()) await endEscapees(runId, liveLeaders);
    // A descendant that left the group (setsid) may hold the pipes open forever: the exit must not wait on it.
    let grace: Timer | undefined;
    await Promise.race([output, new Promise((resolve) => (grace = setTimeout(resolve, DRAIN_GRACE_MS)))]);
    clearTimeout(grace);
    for (const pipe of pipes) pipe.stop();
    return info;
  });
  return { pid, startedAt: Date.now(), ended, exited, signalGroup };
}

/** Serve's own line to systemd: an agent must not report readiness or watchdog pings as if it were serve. */
const SERVE_ONLY = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

/** What every process of a run inherits: serve's environment, the account's, the agent's own, and the markers. */
export function agentEnv(config: AgentConfig, instance: string, runId?: string): Record<string, string | undefined> {
  const inherited: Record<string, string | undefined> = { ...process.env };
  for (const key of SERVE_ONLY) delete inherited[key];
  const env: Record<string, string | undefined> = {
    ...inherited,
    ...accountEnv(config),
    ...config.env,
    PYORCHESTRATE_AGENT: config.name,
    [SERVE_ID_ENV]: instance,
  };
  if (runId !== undefined) env[RUN_ENV] = runId;
  return env;
}

function signalNumber(signal: string | null): number {
  if (signal === null) return 0;
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}
