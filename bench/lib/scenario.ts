// One measured run of one tool with N agents: the six rows of the results table, in an order
// where no measurement disturbs the next (status samples before the idle window, kills after it).

import { readFileSync } from "node:fs";
import { childrenOf, cpuNanos, median, pssBytes, reaped, timedRun, waitFor } from "./measure.ts";
import { statusBytes } from "./procfs.ts";
import type { Tool, ToolRun } from "./tool.ts";

export interface ScenarioOptions {
  /** Fresh CLI status calls; the median is reported. */
  statusSamples: number;
  /** Seconds of idle CPU measurement (nothing talks to the supervisor meanwhile). */
  idleSeconds: number;
  /** kill -9 → replacement measurements, each of a different agent. */
  kills: number;
  /** Looping agents are restarted at once only after a run of at least this long (SPEC §3): kills wait until the last agent up is this old. */
  minAgentAgeMs: number;
  /** Bound on "all up" and on "all stopped". */
  timeoutMs: number;
}

export interface ScenarioResult {
  tool: string;
  n: number;
  /** Which round of the bench (set by the caller). */
  round?: number;
  upMs: number;
  statusMs: number;
  statusSamplesMs: number[];
  statusNote?: string;
  /** The baseline command's times, taken alternately with the status samples (pyorchestrate: --version). */
  baselineSamplesMs: number[];
  memoryBytes: number;
  memoryKind: "RSS" | "PSS";
  /** RSS only: its anonymous part (heap, stacks) and its file-backed part (the mapped executable and libraries). */
  memoryAnonBytes: number;
  memoryFileBytes: number;
  /** Percent of one core over the idle window. */
  idleCpuPercent: number;
  idleSeconds: number;
  /** CPU time spent over the idle window, and the window's length: windows add up across runs. */
  idleCpuMs: number;
  idleWallMs: number;
  /** kill -9 → a new process of the agent has exec'd the agent's program (from /proc). */
  killMs: number[];
  /** kill -9 → the tool's status channel names the new pid (polled after the replacement was seen). */
  killReportedMs: number[];
  stopMs: number;
  stopCommandMs: number;
}

/**
 * Between two looks for the replacement (Atomics.wait: ~0.14 ms in practice, where a timer would
 * take a whole millisecond). A busy poll would take one of the machine's two cores from the
 * supervisor and the exec of its child, and reading /proc/<pid>/task/*\/children in a tight loop
 * contends with fork and exit for the kernel's tasklist lock: both slowed the thing measured.
 */
const KILL_POLL_US = 50;
const pollPause = new Int32Array(new SharedArrayBuffer(4));

/** Runs under way: what an interrupted bench must still clean up. */
export const activeRuns = new Set<ToolRun>();

export async function runScenario(tool: Tool, n: number, marker: string, options: ScenarioOptions, log: (line: string) => void): Promise<ScenarioResult> {
  const run = tool.create(n, marker);
  activeRuns.add(run);
  try {
    return await measure(tool, run, n, options, log);
  } finally {
    await run.teardown();
    activeRuns.delete(run);
  }
}

async function measure(tool: Tool, run: ToolRun, n: number, options: ScenarioOptions, log: (line: string) => void): Promise<ScenarioResult> {
  // (2) all N up and reported running: from the launch until the tool's status channel says so.
  // Between polls the tool gets at least as long as the poll took, so polling cannot hog it.
  const launchedAt = performance.now();
  await run.launch();
  const deadline = launchedAt + options.timeoutMs;
  while (true) {
    const before = performance.now();
    if (await run.allRunning().catch(() => false)) break;
    if (performance.now() > deadline) throw new Error(`${tool.name}: not all ${n} agents running after ${options.timeoutMs} ms`);
    await Bun.sleep(Math.min(50, Math.max(2, performance.now() - before)));
  }
  const upMs = performance.now() - launchedAt;
  const pids = await run.agentPids();
  if (pids.size !== n) throw new Error(`${tool.name}: ${pids.size} pids reported for ${n} agents`);
  log(`  up ${upMs.toFixed(0)} ms`);

  // (1) status from a fresh CLI process.
  const statusSamplesMs: number[] = [];
  const baselineSamplesMs: number[] = [];
  for (let i = 0; i < options.statusSamples; i++) {
    if (run.baselineCommand) baselineSamplesMs.push((await timedRun(run.baselineCommand.argv, run.baselineCommand.env)).ms);
    const result = await timedRun(run.statusCommand.argv, run.statusCommand.env);
    // supervisorctl status exits 3 when a program is not RUNNING: all of them are, here.
    if (result.exitCode !== 0) throw new Error(`${run.statusCommand.argv.join(" ")} exited ${result.exitCode}: ${result.stderr.slice(0, 500)}`);
    statusSamplesMs.push(result.ms);
  }

  // (3) memory and (4) idle CPU: a moment to settle after the status calls, then nobody talks to it
  // (an open connection alone wakes Bun's event loop once a second).
  run.quiesce?.();
  await Bun.sleep(1_000);
  const supervisors = run.supervisorPids();
  const cpuBefore = supervisors.reduce((sum, pid) => sum + cpuNanos(pid), 0);
  const idleFrom = performance.now();
  await Bun.sleep(options.idleSeconds * 1000);
  const cpuAfter = run.supervisorPids().reduce((sum, pid) => sum + cpuNanos(pid), 0);
  const idleWallMs = performance.now() - idleFrom;
  const idleCpuMs = (cpuAfter - cpuBefore) / 1e6;
  const idleCpuPercent = (idleCpuMs / idleWallMs) * 100;
  const supervisorsNow = run.supervisorPids();
  const memoryBytes = supervisorsNow.reduce((sum, pid) => sum + (run.memoryKind === "RSS" ? (statusBytes(pid, "VmRSS") ?? 0) : pssBytes(pid)), 0);
  const memoryAnonBytes = supervisorsNow.reduce((sum, pid) => sum + (statusBytes(pid, "RssAnon") ?? 0), 0);
  const memoryFileBytes = supervisorsNow.reduce((sum, pid) => sum + (statusBytes(pid, "RssFile") ?? 0), 0);
  log(`  status ${median(statusSamplesMs).toFixed(1)} ms, ${run.memoryKind} ${(memoryBytes / 1e6).toFixed(1)} MB, idle CPU ${idleCpuPercent.toFixed(3)} %`);

  // (5) kill -9 → replacement running, each of a different agent that has run long enough.
  const wait = launchedAt + upMs + options.minAgentAgeMs - performance.now();
  if (wait > 0) await Bun.sleep(wait);
  const killMs: number[] = [];
  const killReportedMs: number[] = [];
  const names = [...pids.keys()];
  for (let i = 0; i < Math.min(options.kills, n); i++) {
    const name = names[Math.floor(((i + 0.5) * names.length) / options.kills)] as string;
    const oldPid = pids.get(name) as number;
    const parent = run.agentParent(name);
    const known = new Set(childrenOf(parent));
    const lastBefore = lastPid();
    const killedAt = performance.now();
    process.kill(oldPid, "SIGKILL");
    let fresh: number | null = null;
    while (fresh === null) {
      fresh = newChild(parent, known, lastBefore);
      if (fresh !== null) break;
      if (performance.now() - killedAt > 10_000) throw new Error(`${tool.name}: no replacement for ${name} within 10 s`);
      Atomics.wait(pollPause, 0, 0, KILL_POLL_US / 1000);
    }
    killMs.push(performance.now() - killedAt);
    await waitFor(`${tool.name}: ${name} reported with pid ${fresh}`, async () => (await run.agentPids()).get(name) === fresh, 10_000, 2);
    killReportedMs.push(performance.now() - killedAt);
    await Bun.sleep(200);
  }
  log(`  kill -9 → replacement ${median(killMs).toFixed(2)} ms (reported ${median(killReportedMs).toFixed(1)} ms)`);

  // (6) stop all: from the stop command until every agent pid is reaped (no /proc entry, zombies count as there).
  const finalPids = [...(await run.agentPids()).values()];
  const stopFrom = performance.now();
  const stopping = run.stopAll().then(() => performance.now() - stopFrom);
  await waitFor(`${tool.name}: every agent pid reaped`, () => finalPids.every(reaped), options.timeoutMs, 1);
  const stopMs = performance.now() - stopFrom;
  const stopCommandMs = await stopping;
  log(`  stop all ${stopMs.toFixed(0)} ms (command returned after ${stopCommandMs.toFixed(0)} ms)`);

  return {
    tool: tool.name,
    n,
    upMs,
    statusMs: median(statusSamplesMs),
    statusSamplesMs,
    statusNote: run.statusCommand.note,
    baselineSamplesMs,
    memoryBytes,
    memoryKind: run.memoryKind,
    memoryAnonBytes,
    memoryFileBytes,
    idleCpuPercent,
    idleSeconds: options.idleSeconds,
    idleCpuMs,
    idleWallMs,
    killMs,
    killReportedMs,
    stopMs,
    stopCommandMs,
  };
}

/** The last pid the kernel handed out: a replacement is among those after it. */
function lastPid(): number {
  return Number(readFileSync("/proc/sys/kernel/ns_last_pid", "latin1"));
}

/**
 * A child of `parent` started after `lastBefore` that runs the agent's program, or null. Looks
 * only at the pids handed out since (each a cheap lookup), falling back on the parent's children
 * list should the pid counter have wrapped.
 */
function newChild(parent: number, known: ReadonlySet<number>, lastBefore: number): number | null {
  const last = lastPid();
  if (last < lastBefore) return childrenOf(parent).find((pid) => !known.has(pid) && isAgentProgram(pid)) ?? null;
  for (let pid = lastBefore + 1; pid <= last; pid++) if (parentOf(pid) === parent && isAgentProgram(pid)) return pid;
  return null;
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** The agent's program is running: the process has exec'd `sleep` (not a wrapper or a shell still on its way). */
function isAgentProgram(pid: number): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[0] ?? "";
    return argv0 === "sleep" || argv0.endsWith("/sleep");
  } catch {
    return false;
  }
}
