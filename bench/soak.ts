// Soak test (not in CI): the compiled serve with many agents under start/stop/restart/kill -9
// churn and concurrent client load for a set time, then the invariants: every agent accounted
// for, no orphaned process, no fd or memory growth, and a shutdown that leaves nothing behind.
//
//   node_modules/.bin/bun bench/soak.ts [--duration 60] [--agents 50] [--clients 8] [--help]
//
// Exit 0 when every invariant holds, 1 when one does not, 2 on a usage error, 130 on Ctrl+C.
// It kills only what it started (serve by pid, agent processes by this run's env marker).

import type { Subprocess } from "bun";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { call, request } from "../src/client/connection.ts";
import type { AgentKind, ArgsOf, CommandName, DataOf, PsAgent } from "../src/protocol/commands.ts";
import type { Envelope } from "../src/protocol/envelope.ts";
import { ProtocolError } from "../src/protocol/errors.ts";
import { commandLine, fdCount, fdKinds, isAlive, type MarkedProcess, markedProcess, markedProcesses, rssBytes } from "./lib/procfs.ts";
import { Session } from "./lib/session.ts";

const BINARY = resolve(import.meta.dir, "../build/pyorchestrate");
/** Every agent of this run gets MARKER_ENV=<random> in its env (serve never has it). */
const MARKER_ENV = "PYO_SOAK_RUN";
/** serve holds two output sockets and a pidfd per live agent process (measured on Linux, Bun 1.4). */
const FDS_PER_LIVE_AGENT = 3;
/** A process-accounting discrepancy must last this long to count: exits and reaping take a moment. */
const PERSIST_MS = 3_000;
const COMMAND_TIMEOUT_MS = 30_000;
/** Answers that churn makes normal; anything else is a finding. */
const EXPECTED_OUTCOMES = new Set(["success", "AGENT_ALREADY_RUNNING", "AGENT_NOT_RUNNING", "ORCHESTRATOR_BUSY"]);

// ── options ──────────────────────────────────────────────────────────────

interface Options {
  duration: number;
  agents: number;
  clients: number;
  churners: number;
  churnPauseMs: number;
  clientPauseMs: number;
  warmup: number;
  fdGrowth: number;
  rssGrowth: number;
  maxWorkers: number;
  settleTimeout: number;
  seed: number;
  keep: boolean;
}

const USAGE = `usage: bun bench/soak.ts [options]
  --duration S         seconds of churn and client load (default 60)
  --agents N           agents in the generated config (default 50)
  --clients N          concurrent clients looping ps/status/stats/report (default 8)
  --churners N         concurrent churn loops: start/stop/restart/kill -9 (default 2)
  --churn-pause-ms MS  mean pause between one churner's actions (default 50)
  --client-pause-ms MS pause between one client's requests (default 2)
  --warmup S           when the fd/RSS baseline is taken (default 20 % of duration, 5..15 s)
  --fd-growth N        fail when serve's fds grew by more than N (default 10)
  --rss-growth PCT     fail when serve's RSS grew by more than PCT % (default 30)
  --max-workers N      orchestrator.max_workers (default 0 = no limit)
  --settle-timeout S   bound for agents to settle after churn (default 30)
  --seed N             seed of the random choices (default random)
  --keep               keep the temp dir (config, serve.log, agent logs) for a post-mortem`;

const STRING = { type: "string" } as const;
const OPTION_SPEC = {
  duration: STRING,
  agents: STRING,
  clients: STRING,
  churners: STRING,
  "churn-pause-ms": STRING,
  "client-pause-ms": STRING,
  warmup: STRING,
  "fd-growth": STRING,
  "rss-growth": STRING,
  "max-workers": STRING,
  "settle-timeout": STRING,
  seed: STRING,
  keep: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: OPTION_SPEC, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (flag: Exclude<keyof typeof OPTION_SPEC, "keep" | "help">, fallback: number, min: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < min) throw new UsageError(`--${flag} must be a number ≥ ${min} (got ${raw})`);
    return value;
  };
  const duration = number("duration", 60, 5);
  return {
    duration,
    agents: Math.floor(number("agents", 50, 1)),
    clients: Math.floor(number("clients", 8, 0)),
    churners: Math.floor(number("churners", 2, 0)),
    churnPauseMs: number("churn-pause-ms", 50, 0),
    clientPauseMs: number("client-pause-ms", 2, 0),
    warmup: number("warmup", Math.min(15, Math.max(5, duration * 0.2)), 1),
    fdGrowth: number("fd-growth", 10, 0),
    rssGrowth: number("rss-growth", 30, 0),
    maxWorkers: Math.floor(number("max-workers", 0, 0)),
    settleTimeout: number("settle-timeout", 30, 1),
    seed: Math.floor(number("seed", Math.floor(Math.random() * 2 ** 31), 0)),
    keep: values.keep === true,
  };
}

class UsageError extends Error {}
class Interrupted extends Error {}

/** mulberry32: small, seedable, good enough to pick agents and actions. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ── the generated config ─────────────────────────────────────────────────

type Role =
  | "sleeper"
  | "shell-loop"
  | "forker"
  | "stubborn"
  | "crasher"
  | "crash-fail"
  | "periodic"
  | "periodic-timeout"
  | "periodic-rate"
  | "oneshot";

/** Each role's kind and TOML (a string command is run by /bin/sh -c). */
const ROLES: Record<Role, { kind: AgentKind; toml: string }> = {
  sleeper: { kind: "looping", toml: `command = ["sleep", "86400"]\nstop_timeout = 3` },
  "shell-loop": { kind: "looping", toml: `command = "while :; do sleep 1; done"\nstop_timeout = 3` },
  // Two grandchildren in the agent's process group: they must die with the leader.
  forker: { kind: "looping", toml: `command = "sleep 86400 & sleep 86400 & wait"\nstop_timeout = 3` },
  // Ignores SIGTERM (and so do its children): every stop needs the SIGKILL after stop_timeout.
  stubborn: { kind: "looping", toml: `command = "trap '' TERM; while :; do sleep 1; done"\nstop_timeout = 1` },
  crasher: { kind: "looping", toml: `command = "sleep 0.3; exit 3"\nrestart = "on-failure"\nmax_restarts = 1000\nstop_timeout = 3` },
  // Crash-loop guard: ends up "failed" after its third quick exit.
  "crash-fail": { kind: "looping", toml: `command = "sleep 0.2; exit 1"\nrestart = "on-failure"\nmax_restarts = 2\nstop_timeout = 3` },
  periodic: { kind: "periodic", toml: `command = "sleep 0.2"\nexecution_interval = 1\ntimeout = 2\nstop_timeout = 3` },
  "periodic-timeout": { kind: "periodic", toml: `command = ["sleep", "5"]\nexecution_interval = 1\ntimeout = 0.5\nstop_timeout = 3` },
  // Fixed rate with runs longer than the interval: skipped runs.
  "periodic-rate": {
    kind: "periodic",
    toml: `command = ["sleep", "1.5"]\nexecution_interval = 1\ntimeout = 3\ndelay_compensation = true\nstop_timeout = 3`,
  },
  oneshot: { kind: "oneshot", toml: `kind = "oneshot"\ncommand = "sleep 0.5"\ntimeout = 5\nstop_timeout = 3` },
};

const ROLE_CYCLE: readonly Role[] = [
  "sleeper", "forker", "crasher", "periodic", "shell-loop",
  "stubborn", "sleeper", "forker", "periodic-timeout", "crash-fail",
  "shell-loop", "oneshot", "sleeper", "forker", "periodic-rate",
  "crasher", "sleeper", "periodic", "shell-loop", "forker",
]; // prettier-ignore

/** Roles whose agent should be running with a pid once things settle after churn. */
const STEADY: ReadonlySet<Role> = new Set<Role>(["sleeper", "shell-loop", "forker", "stubborn"]);

interface AgentPlan {
  name: string;
  role: Role;
  kind: AgentKind;
  /** A forker depends on the sleeper before it; a fixed-rate periodic agent on the oneshot before it. */
  dependsOn: { name: string; condition: "started" | "completed" } | null;
}

function planAgents(count: number): AgentPlan[] {
  const plans: AgentPlan[] = [];
  const lastOf = new Map<Role, string>();
  for (let i = 0; i < count; i++) {
    const role = ROLE_CYCLE[i % ROLE_CYCLE.length] as Role;
    const name = `${role}-${String(i).padStart(3, "0")}`;
    let dependsOn: AgentPlan["dependsOn"] = null;
    const sleeper = lastOf.get("sleeper");
    const oneshot = lastOf.get("oneshot");
    if (role === "forker" && sleeper) dependsOn = { name: sleeper, condition: "started" };
    if (role === "periodic-rate" && oneshot) dependsOn = { name: oneshot, condition: "completed" };
    plans.push({ name, role, kind: ROLES[role].kind, dependsOn });
    lastOf.set(role, name);
  }
  return plans;
}

function configToml(plans: readonly AgentPlan[], dir: string, marker: string, options: Options): string {
  const lines = [
    "[orchestrator]",
    `name = "soak"`,
    `command_socket_path = "${join(dir, "s.sock")}"`,
    `state_dir = "${join(dir, "state")}"`,
    `max_workers = ${options.maxWorkers}`,
    "command_timeout = 30",
    "shutdown_timeout = 30",
    "",
  ];
  for (const plan of plans) {
    lines.push(`[agents.${plan.name}]`, ROLES[plan.role].toml);
    if (plan.dependsOn) lines.push(`depends_on = { ${plan.dependsOn.name} = "${plan.dependsOn.condition}" }`);
    lines.push(`env = { ${MARKER_ENV} = "${marker}" }`, "");
  }
  return lines.join("\n");
}

// ── talking to serve, counting every answer ─────────────────────────────

interface Transport {
  <C extends CommandName>(command: C, args: ArgsOf<C>, timeoutMs: number): Promise<Envelope<DataOf<C>>>;
}

class Tally {
  readonly sent = new Map<string, number>();
  readonly answered = new Map<string, number>();
  readonly outcomes = new Map<string, Map<string, number>>();
  readonly latencies = new Map<string, number[]>();

  async send<C extends CommandName>(transport: Transport, command: C, args: ArgsOf<C>): Promise<Envelope<DataOf<C>> | null> {
    bump(this.sent, command);
    const startedAt = performance.now();
    try {
      const envelope = await transport(command, args, COMMAND_TIMEOUT_MS);
      bump(this.answered, command);
      this.outcome(command, envelope.status === "success" ? "success" : envelope.error.code);
      const list = this.latencies.get(command) ?? [];
      list.push(performance.now() - startedAt);
      this.latencies.set(command, list);
      return envelope;
    } catch (error) {
      this.outcome(command, error instanceof ProtocolError ? error.code : `exception: ${(error as Error).message}`);
      return null;
    }
  }

  outcome(command: string, outcome: string): void {
    const map = this.outcomes.get(command) ?? new Map<string, number>();
    bump(map, outcome);
    this.outcomes.set(command, map);
  }

  unexpected(): string[] {
    const found: string[] = [];
    for (const [command, map] of this.outcomes) {
      for (const [outcome, count] of map) if (!EXPECTED_OUTCOMES.has(outcome)) found.push(`${command} → ${outcome} ×${count}`);
    }
    return found;
  }
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

// ── one soak run's state ─────────────────────────────────────────────────

interface Sample {
  at: number;
  rss: number;
  fds: number;
}

interface Measure {
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

interface Run {
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

let current: Run | null = null;
let interrupted = false;
const interruption = Promise.withResolvers<void>();

/** Sleeps, unless Ctrl+C came: then throws Interrupted. */
async function pause(ms: number): Promise<void> {
  await Promise.race([Bun.sleep(ms), interruption.promise]);
  if (interrupted) throw new Interrupted();
}

const direct: Transport = (command, args, timeoutMs) => request(command, args, { socketPath: current?.socket ?? "", timeoutMs });

async function psNow(run: Run): Promise<PsAgent[] | null> {
  try {
    const envelope = await request("ps", {}, { socketPath: run.socket, timeoutMs: 10_000 });
    return envelope.status === "success" ? envelope.data.agents : null;
  } catch {
    return null;
  }
}

function serveAlive(run: Run): boolean {
  return run.serve !== null && run.serve.exitCode === null && run.serve.signalCode === null;
}

// ── what a ps answer must say ────────────────────────────────────────────

/** Rules every ps entry obeys at any moment, whatever churn is doing. */
function entryProblem(agent: PsAgent, plan: AgentPlan | undefined): string | null {
  if (!plan) return `unknown agent ${agent.name}`;
  if (agent.kind !== plan.kind) return `${agent.name}: kind ${agent.kind}, configured ${plan.kind}`;
  const hasProcess = agent.status === "running" || agent.status === "stopping";
  if (hasProcess !== (agent.pid !== null) && agent.status !== "starting") return `${agent.name}: status ${agent.status} with pid ${agent.pid}`;
  if ((agent.status === "waiting") !== (agent.waiting_reason !== null)) {
    return `${agent.name}: status ${agent.status} with waiting_reason ${agent.waiting_reason}`;
  }
  if (agent.status === "backoff" && agent.next_run === null) return `${agent.name}: backoff without next_run`;
  if (agent.waiting_reason === "next_run" && agent.next_run === null) return `${agent.name}: waiting for next_run without next_run`;
  if (agent.pid === null && agent.uptime_seconds !== 0) return `${agent.name}: no pid but uptime ${agent.uptime_seconds}`;
  return null;
}

function psProblems(agents: readonly PsAgent[], run: Run): string[] {
  const problems: string[] = [];
  const names = agents.map((agent) => agent.name);
  if (new Set(names).size !== names.length) problems.push("an agent is listed twice");
  const missing = run.plans.filter((plan) => !names.includes(plan.name));
  if (missing.length > 0) problems.push(`missing from ps: ${missing.map((plan) => plan.name).join(", ")}`);
  for (const agent of agents) {
    const problem = entryProblem(agent, run.byName.get(agent.name));
    if (problem) problems.push(problem);
  }
  return problems;
}

/** After churn and the revive: what each role may be doing. */
function settledProblem(agent: PsAgent, plan: AgentPlan, run: Run): string | null {
  const queued = run.options.maxWorkers > 0 && agent.status === "waiting";
  if (STEADY.has(plan.role)) return agent.status === "running" || queued ? null : `${agent.name} (${plan.role}) is ${agent.status}, not running`;
  const allowed: Record<Exclude<Role, "sleeper" | "shell-loop" | "forker" | "stubborn">, readonly string[]> = {
    crasher: ["running", "backoff", "waiting"],
    "crash-fail": ["running", "backoff", "waiting", "failed"],
    periodic: ["running", "waiting"],
    "periodic-timeout": ["running", "waiting"],
    "periodic-rate": ["running", "waiting"],
    oneshot: ["running", "waiting", "completed"],
  };
  const ok = allowed[plan.role as keyof typeof allowed].includes(agent.status);
  return ok ? null : `${agent.name} (${plan.role}) is ${agent.status}`;
}

// ── load: clients, churn, sampler ────────────────────────────────────────

async function clientLoop(run: Run, index: number): Promise<void> {
  // Odd clients keep one connection for many requests; even ones connect per request, like the CLI.
  const persistent = index % 2 === 1;
  let session: Session | null = null;
  const lastRestarts = new Map<string, number>();
  while (!run.load.stopped) {
    if (run.load.paused) {
      session?.close();
      session = null;
      await Bun.sleep(20);
      continue;
    }
    run.load.inFlight++;
    try {
      let transport = direct;
      if (persistent) {
        if (!session || session.closed) {
          try {
            session = await Session.open(run.socket);
          } catch (error) {
            run.tally.outcome("connect", error instanceof ProtocolError ? error.code : String(error));
            await Bun.sleep(50);
            continue;
          }
        }
        const open = session;
        transport = (command, args, timeoutMs) => open.request(command, args, timeoutMs);
      }
      const roll = run.random();
      const agent = pick(run.plans, run.random).name;
      if (roll < 0.4) {
        const envelope = await run.tally.send(transport, "ps", {});
        if (envelope?.status === "success") checkPs(run, envelope.data.agents, lastRestarts);
      } else if (roll < 0.7) {
        const envelope = await run.tally.send(transport, "status", { agent });
        if (envelope?.status === "success" && "kind" in envelope.data) {
          const problem = entryProblem(envelope.data, run.byName.get(agent));
          if (problem) notePsProblem(run, `status: ${problem}`);
        }
      } else if (roll < 0.8) await run.tally.send(transport, "status", {});
      else if (roll < 0.95) await run.tally.send(transport, "stats", {});
      else await run.tally.send(transport, "report", {});
    } finally {
      run.load.inFlight--;
    }
    if (run.options.clientPauseMs > 0) await Bun.sleep(run.options.clientPauseMs);
  }
  session?.close();
}

function checkPs(run: Run, agents: PsAgent[], lastRestarts: Map<string, number>): void {
  run.psChecked++;
  for (const problem of psProblems(agents, run)) notePsProblem(run, problem);
  for (const agent of agents) {
    if (agent.pid !== null) run.pidsSeen.add(`${agent.name}:${agent.pid}`);
    // Answers on one client come in time order, and the restart counter only ever grows.
    const before = lastRestarts.get(agent.name) ?? 0;
    if (agent.restarts < before) notePsProblem(run, `${agent.name}: restarts went from ${before} to ${agent.restarts}`);
    lastRestarts.set(agent.name, agent.restarts);
  }
}

function notePsProblem(run: Run, problem: string): void {
  run.psProblems.push(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${problem}`);
}

async function churnLoop(run: Run): Promise<void> {
  while (!run.load.stopped) {
    if (run.load.paused) {
      await Bun.sleep(20);
      continue;
    }
    run.load.inFlight++;
    try {
      const roll = run.random();
      const agent = pick(run.plans, run.random).name;
      if (roll < 0.3) await run.tally.send(direct, "start", { agent });
      else if (roll < 0.55) await run.tally.send(direct, "stop", { agent });
      else if (roll < 0.75) await run.tally.send(direct, "restart", { agent });
      else await killSomething(run);
    } finally {
      run.load.inFlight--;
    }
    await Bun.sleep(run.options.churnPauseMs * (0.5 + run.random()));
  }
}

/** kill -9 of an agent's pid from ps (3 in 4) or of a descendant in some agent's group (1 in 4). */
async function killSomething(run: Run): Promise<void> {
  const envelope = await run.tally.send(direct, "ps", {});
  if (envelope?.status !== "success") return;
  const leaders = envelope.data.agents.filter((agent) => agent.pid !== null);
  if (run.random() < 0.25) {
    const leaderPids = new Set(leaders.map((agent) => agent.pid));
    const descendants = markedProcesses(MARKER_ENV, run.marker).filter((process) => !leaderPids.has(process.pid));
    if (descendants.length === 0) return;
    if (killMarked(run, pick(descendants, run.random).pid, null)) run.kills.descendants++;
    return;
  }
  if (leaders.length === 0) return;
  const target = pick(leaders, run.random);
  if (target.pid !== null && killMarked(run, target.pid, target.name)) run.kills.leaders++;
}

/** SIGKILL, but only to a live process of this run (of `agent`, when given): never a reused pid. */
function killMarked(run: Run, pid: number, agent: string | null): boolean {
  const process_ = markedProcess(pid, MARKER_ENV, run.marker);
  if (!process_ || (agent !== null && process_.agent !== agent)) return false;
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

function startSampler(run: Run): Timer {
  return setInterval(() => {
    if (!run.serve || !serveAlive(run)) return;
    const rss = rssBytes(run.serve.pid);
    const fds = fdCount(run.serve.pid);
    if (rss !== null && fds !== null) run.samples.push({ at: Date.now(), rss, fds });
  }, 1_000);
}

async function drainLoad(run: Run, bound = 60_000): Promise<void> {
  const deadline = Date.now() + bound;
  while (run.load.inFlight > 0 && Date.now() < deadline) await pause(10);
}

/**
 * serve's fds and RSS with no client connected and churn paused. Open fds move with the number of
 * live agent processes, so they are counted less FDS_PER_LIVE_AGENT each, taken between two ps
 * answers that agree on the live pids; the agents' log files are counted apart (bounded by the
 * number of agents, checked in fdVerdict).
 */
async function quietMeasure(run: Run): Promise<Measure | null> {
  const serve = run.serve;
  if (!serve) return null;
  run.load.paused = true;
  try {
    await drainLoad(run);
    await pause(300); // serve closes the connections the clients just dropped
    const measures: Measure[] = [];
    for (let attempt = 0; attempt < 30 && measures.length < 3; attempt++) {
      const before = await psNow(run);
      await pause(50);
      const rawFds = fdCount(serve.pid);
      const kinds = fdKinds(serve.pid);
      const rss = rssBytes(serve.pid);
      await pause(50);
      const after = await psNow(run);
      await pause(100);
      if (!before || !after || rawFds === null || rss === null) continue;
      const livePids = (agents: PsAgent[]) => agents.flatMap((agent) => (agent.pid === null ? [] : [agent.pid])).sort().join(",");
      if (livePids(before) !== livePids(after)) continue;
      const live = before.filter((agent) => agent.pid !== null).length;
      const logFiles = kinds.get(`${join(run.dir, "state", "logs")}/*`) ?? 0;
      measures.push({ fds: rawFds - FDS_PER_LIVE_AGENT * live - logFiles, logFiles, rawFds, live, rss, kinds });
    }
    if (measures.length === 0) return null;
    const fewest = measures.reduce((a, b) => (b.fds < a.fds ? b : a));
    return { ...fewest, rss: median(measures.map((measure) => measure.rss)) };
  } finally {
    run.load.paused = false;
  }
}

// ── invariants ───────────────────────────────────────────────────────────

interface Verdict {
  name: string;
  ok: boolean;
  summary: string;
  details: string[];
}

/** Starts what churn left stopped, failed, completed (or steady agents in backoff), then waits for every role's settled state. */
async function reviveAndSettle(run: Run): Promise<Verdict> {
  const name = "(1) every agent accounted for, consistent status";
  const details: string[] = [];
  const agents = await psNow(run);
  if (!agents) return { name, ok: false, summary: "ps did not answer after churn", details };
  for (const agent of agents) {
    const plan = run.byName.get(agent.name);
    const revive =
      agent.status === "stopped" ||
      agent.status === "failed" ||
      agent.status === "completed" ||
      (agent.status === "backoff" && plan !== undefined && STEADY.has(plan.role));
    if (!revive) continue;
    const answer = await request("start", { agent: agent.name }, { socketPath: run.socket, timeoutMs: COMMAND_TIMEOUT_MS }).catch(
      (error: Error) => error,
    );
    if (answer instanceof Error) details.push(`start ${agent.name}: ${answer.message}`);
    else if (answer.status === "error" && answer.error.code !== "AGENT_ALREADY_RUNNING") {
      details.push(`start ${agent.name} (was ${agent.status}): ${answer.error.code} ${answer.error.message}`);
    }
  }
  const startedWaiting = Date.now();
  let last: string[] = ["no ps answer"];
  while (Date.now() - startedWaiting < run.options.settleTimeout * 1000) {
    const now = await psNow(run);
    if (now) {
      last = psProblems(now, run);
      for (const agent of now) {
        const plan = run.byName.get(agent.name);
        const problem = plan ? settledProblem(agent, plan, run) : null;
        if (problem) last.push(problem);
      }
      if (last.length === 0) break;
    }
    await pause(200);
  }
  const settledMs = Date.now() - startedWaiting;
  if (last.length > 0) {
    return { name, ok: false, summary: `not settled after ${run.options.settleTimeout}s`, details: [...details, ...last] };
  }
  const during = run.psProblems.length;
  return {
    name,
    ok: details.length === 0 && during === 0,
    summary:
      `${run.plans.length}/${run.plans.length} in ps, settled ${(settledMs / 1000).toFixed(1)}s after the revive; ` +
      `${run.psChecked} ps answers during churn, ${during} inconsistent`,
    details: [...details, ...run.psProblems.slice(0, 10), ...(during > 10 ? [`… and ${during - 10} more`] : [])],
  };
}

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
async function accountProcesses(run: Run): Promise<Verdict> {
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

function growthVerdict(run: Run, baseline: Measure | null, end: Measure | null): Verdict {
  const name = "(3) no fd or memory growth";
  if (!baseline || !end) return { name, ok: false, summary: "could not measure (no quiet moment with stable pids)", details: [] };
  const fdGrowth = end.fds - baseline.fds;
  const rssGrowth = ((end.rss - baseline.rss) / baseline.rss) * 100;
  const details: string[] = [];
  if (fdGrowth > run.options.fdGrowth) {
    const kinds = [...new Set([...baseline.kinds.keys(), ...end.kinds.keys()])]
      .map((kind) => [kind, (end.kinds.get(kind) ?? 0) - (baseline.kinds.get(kind) ?? 0)] as const)
      .filter(([, delta]) => delta !== 0)
      .sort((a, b) => b[1] - a[1]);
    details.push(
      `fds grew by ${fdGrowth} (limit ${run.options.fdGrowth}); raw change by kind, live agents ${baseline.live} → ${end.live}: ` +
        kinds.map(([kind, delta]) => `${kind} ${signed(delta)}`).join(", "),
    );
  }
  if (rssGrowth > run.options.rssGrowth) details.push(`RSS grew by ${rssGrowth.toFixed(1)} % (limit ${run.options.rssGrowth} %)`);
  // One log file per agent at most, however much churn there was.
  if (end.logFiles > run.plans.length) details.push(`${end.logFiles} agent log files open for ${run.plans.length} agents`);
  return {
    name,
    ok: details.length === 0,
    summary:
      `fds ${signed(fdGrowth)} (limit +${run.options.fdGrowth}), RSS ${signed(rssGrowth, 1)} % (limit +${run.options.rssGrowth} %), ` +
      `agent log files open ${end.logFiles} of at most ${run.plans.length}`,
    details,
  };
}

/** (4): shutdown over the socket; serve exits 0, nothing of this run is left, the socket file is gone. */
async function shutdownVerdict(run: Run): Promise<Verdict> {
  const name = "(4) shutdown leaves nothing behind";
  const serve = run.serve;
  if (!serve) return { name, ok: false, summary: "serve is not running", details: [] };
  const details: string[] = [];
  const startedShutdown = Date.now();
  let stoppedFrames = 0;
  try {
    for await (const frame of call("shutdown", {}, { socketPath: run.socket, timeoutMs: 10_000 })) {
      if (frame.status === "error") details.push(`shutdown answered ${frame.error.code}: ${frame.error.message}`);
      else if (frame.data.action === "agent_stopped") stoppedFrames++;
    }
  } catch (error) {
    details.push(`shutdown stream: ${(error as Error).message}`);
  }
  const code = await Promise.race([serve.exited, Bun.sleep(45_000).then(() => null)]);
  const exitMs = Date.now() - startedShutdown;
  if (code === null) details.push("serve did not exit within 45s of shutdown");
  else if (code !== 0) details.push(`serve exited ${code}${serve.signalCode ? ` (${serve.signalCode})` : ""}`);
  let left = markedProcesses(MARKER_ENV, run.marker);
  for (const deadline = Date.now() + 10_000; left.length > 0 && Date.now() < deadline; left = markedProcesses(MARKER_ENV, run.marker)) {
    await pause(100);
  }
  for (const process_ of left) details.push(`left running: pid ${process_.pid} (${commandLine(process_.pid)}; agent ${process_.agent})`);
  if (existsSync(run.socket)) details.push(`socket file ${run.socket} still there`);
  return {
    name,
    ok: details.length === 0,
    summary: `exit ${code ?? "-"} after ${(exitMs / 1000).toFixed(1)}s, ${stoppedFrames} agent_stopped frames, ${left.length} processes left, socket ${existsSync(run.socket) ? "present" : "removed"}`,
    details,
  };
}

/** serve's error lines other than an agent failing (which churn and the crashers cause on purpose). */
function unexpectedLogErrors(run: Run): string[] {
  if (!existsSync(run.serveLog)) return [];
  // Crashers, kill -9 and timeouts make agents fail on purpose; a start that cannot spawn does not.
  const agentFailed = /^\S+ error\s+\S+ failed( \(|: (killed by signal|crash loop|timed out))/;
  return readFileSync(run.serveLog, "utf8")
    .split("\n")
    .filter((line) => / (error|fatal) /.test(line) && !agentFailed.test(line));
}

function answersVerdict(run: Run): Verdict {
  const unexpected = run.tally.unexpected();
  const logErrors = unexpectedLogErrors(run);
  return {
    name: "(0) every request answered, only expected errors",
    ok: unexpected.length === 0 && logErrors.length === 0,
    summary:
      `${unexpected.length === 0 ? `answers only ${[...EXPECTED_OUTCOMES].join(", ")}` : `${unexpected.length} unexpected outcome kinds`}; ` +
      `${logErrors.length} unexpected error lines in serve's log`,
    details: [...unexpected, ...logErrors.slice(-10).map((line) => `serve log: ${line.slice(0, 300)}`)],
  };
}

// ── report ───────────────────────────────────────────────────────────────

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function signed(value: number, digits = 0): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** RSS slope over the churn phase (MB per minute), least squares: informative, not a verdict. */
function rssTrend(samples: readonly Sample[]): number {
  if (samples.length < 3) return 0;
  const t0 = samples[0]?.at ?? 0;
  const xs = samples.map((sample) => (sample.at - t0) / 60_000);
  const ys = samples.map((sample) => sample.rss / 1024 / 1024);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] ?? my) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

function printReport(run: Run, facts: { churnSeconds: number; baseline: Measure | null; end: Measure | null; restarts: number | null; executions: string }, verdicts: Verdict[]): void {
  const { options, tally } = run;
  const roles = new Map<string, number>();
  for (const plan of run.plans) bump(roles, plan.role);
  const out: string[] = [];
  out.push(
    `pyorchestrate soak — ${facts.churnSeconds.toFixed(0)} s of churn, ${options.agents} agents, ${options.clients} clients, ${options.churners} churners, seed ${options.seed}`,
    `agents: ${[...roles].map(([role, count]) => `${count} ${role}`).join(", ")}`,
    "",
    `${"command".padEnd(9)}${"sent".padStart(8)}${"answered".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}  outcomes`,
  );
  const order = ["ps", "status", "stats", "report", "start", "stop", "restart"];
  const commands = [...new Set([...order, ...tally.sent.keys(), ...tally.outcomes.keys()])].filter(
    (command) => tally.sent.has(command) || tally.outcomes.has(command),
  );
  for (const command of commands) {
    const lat = tally.latencies.get(command) ?? [];
    const outcomes = [...(tally.outcomes.get(command) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(", ");
    out.push(
      `${command.padEnd(9)}${String(tally.sent.get(command) ?? 0).padStart(8)}${String(tally.answered.get(command) ?? 0).padStart(10)}` +
        `${percentile(lat, 0.5).toFixed(1).padStart(9)}${percentile(lat, 0.99).toFixed(1).padStart(9)}${Math.max(0, ...lat).toFixed(1).padStart(9)}  ${outcomes}`,
    );
  }
  const peakRss = Math.max(0, ...run.samples.map((sample) => sample.rss));
  const peakFds = Math.max(0, ...run.samples.map((sample) => sample.fds));
  const fmt = (measure: Measure | null) =>
    measure ? `${measure.fds} (${measure.rawFds} raw, ${measure.live} live agents) / ${mb(measure.rss)}` : "n/a";
  out.push(
    "(a stop or restart of a 'stubborn' agent waits its stop_timeout of 1 s for the SIGKILL)",
    "",
    `kill -9: ${run.kills.leaders} agent pids, ${run.kills.descendants} descendants; restarts (ps total at end): ${facts.restarts ?? "n/a"}; distinct agent pids seen in ps: ${run.pidsSeen.size}`,
    `executions (report): ${facts.executions}`,
    `serve fds (less ${FDS_PER_LIVE_AGENT}/live agent and open agent logs) / RSS — baseline after ${options.warmup}s warm-up: ${fmt(facts.baseline)}; end: ${fmt(facts.end)}`,
    `serve peaks (1 s samples): ${peakFds} fds, ${mb(peakRss)} RSS; RSS trend during churn ${signed(rssTrend(run.samples), 1)} MB/min`,
    "",
  );
  for (const verdict of verdicts) {
    out.push(`${verdict.ok ? "✓" : "✗"} ${verdict.name}: ${verdict.summary}`);
    for (const detail of verdict.details.slice(0, 15)) out.push(`    ${detail}`);
    if (verdict.details.length > 15) out.push(`    … ${verdict.details.length - 15} more`);
  }
  out.push(verdicts.every((verdict) => verdict.ok) ? "PASS" : "FAIL");
  console.log(out.join("\n"));
}

// ── main ─────────────────────────────────────────────────────────────────

const startedAt = Date.now();

function progress(message: string): void {
  process.stderr.write(`[soak ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(BINARY)) {
    process.stderr.write(`${BINARY} is missing: run 'npm run build' first\n`);
    return 2;
  }
  const dir = mkdtempSync("/tmp/pyo-soak-");
  const plans = planAgents(options.agents);
  const run: Run = {
    options,
    dir,
    socket: join(dir, "s.sock"),
    marker: `soak-${crypto.randomUUID()}`,
    plans,
    byName: new Map(plans.map((plan) => [plan.name, plan])),
    serve: null,
    serveLog: join(dir, "serve.log"),
    random: seededRandom(options.seed),
    tally: new Tally(),
    load: { paused: false, stopped: false, inFlight: 0 },
    samples: [],
    kills: { leaders: 0, descendants: 0 },
    pidsSeen: new Set(),
    psChecked: 0,
    psProblems: [],
  };
  current = run;
  try {
    return await soak(run);
  } catch (error) {
    if (error instanceof Interrupted) {
      progress("interrupted: cleaning up");
      return 130;
    }
    throw error;
  } finally {
    await cleanup(run);
  }
}

async function soak(run: Run): Promise<number> {
  const { options } = run;
  const configPath = join(run.dir, "pyorchestrate.toml");
  writeFileSync(configPath, configToml(run.plans, run.dir, run.marker, options));
  const logFd = openSync(run.serveLog, "w");
  run.serve = Bun.spawn([BINARY, "serve", configPath], {
    cwd: run.dir,
    env: { ...process.env, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: logFd,
  });
  closeSync(logFd);
  progress(`serve pid ${run.serve.pid} on ${run.socket} (${run.dir}), seed ${options.seed}`);

  const readyBy = Date.now() + 15_000;
  while (!(await psNow(run))) {
    if (!serveAlive(run) || Date.now() > readyBy) {
      process.stderr.write(`serve did not come up:\n${readFileSync(run.serveLog, "utf8")}\n`);
      return 1;
    }
    await pause(50);
  }

  const sampler = startSampler(run);
  const workers = [
    ...Array.from({ length: options.clients }, (_, index) => clientLoop(run, index)),
    ...Array.from({ length: options.churners }, () => churnLoop(run)),
  ];
  const churnStarted = Date.now();
  const until = churnStarted + options.duration * 1000;
  let baseline: Measure | null = null;
  let nextProgress = churnStarted + 10_000;
  try {
    while (Date.now() < until) {
      if (!serveAlive(run)) break;
      if (baseline === null && Date.now() >= churnStarted + options.warmup * 1000) {
        baseline = await quietMeasure(run);
        progress(baseline ? `baseline: ${baseline.fds} fds (less live agents), ${mb(baseline.rss)} RSS` : "baseline: no quiet moment");
      }
      if (Date.now() >= nextProgress) {
        const last = run.samples.at(-1);
        const sent = [...run.tally.sent.values()].reduce((a, b) => a + b, 0);
        progress(`${sent} requests, ${run.kills.leaders + run.kills.descendants} kills${last ? `, serve ${last.fds} fds, ${mb(last.rss)}` : ""}`);
        nextProgress += 10_000;
      }
      await pause(100);
    }
  } finally {
    run.load.stopped = true;
  }
  await Promise.race([Promise.all(workers), Bun.sleep(COMMAND_TIMEOUT_MS + 5_000)]);
  clearInterval(sampler);
  const churnSeconds = (Date.now() - churnStarted) / 1000;
  if (!serveAlive(run)) {
    process.stderr.write(`serve died during the soak (exit ${run.serve.exitCode}, ${run.serve.signalCode ?? "no signal"}):\n`);
    process.stderr.write(readFileSync(run.serveLog, "utf8").split("\n").slice(-30).join("\n"));
    return 1;
  }
  progress(`churn stopped after ${churnSeconds.toFixed(1)}s; reviving and settling`);

  const settled = await reviveAndSettle(run);
  const accounted = await accountProcesses(run);
  const end = await quietMeasure(run);
  const growth = growthVerdict(run, baseline, end);
  const finalPs = await psNow(run);
  const restarts = finalPs ? finalPs.reduce((sum, agent) => sum + agent.restarts, 0) : null;
  let executions = "n/a";
  const report = await request("report", {}, { socketPath: run.socket, timeoutMs: 10_000 }).catch(() => null);
  if (report?.status === "success") {
    const { runs, failures, average_duration_ms } = report.data.executions;
    executions = `${runs} runs, ${failures} failures, ${average_duration_ms.toFixed(0)} ms average`;
  }
  progress("shutting down");
  const shutdown = await shutdownVerdict(run);
  // Last, so that serve's whole log is read.
  const verdicts = [answersVerdict(run), settled, accounted, growth, shutdown];
  printReport(run, { churnSeconds, baseline, end, restarts, executions }, verdicts);
  return verdicts.every((verdict) => verdict.ok) ? 0 : 1;
}

/** serve by its pid (SIGTERM, then SIGKILL), then whatever still carries this run's marker; the temp dir. */
async function cleanup(run: Run): Promise<void> {
  run.load.stopped = true;
  const serve = run.serve;
  if (serve && serveAlive(run)) {
    serve.kill("SIGTERM");
    const code = await Promise.race([serve.exited, Bun.sleep(20_000).then(() => null)]);
    if (code === null) serve.kill("SIGKILL");
  }
  for (let tries = 0; tries < 50; tries++) {
    const left = markedProcesses(MARKER_ENV, run.marker);
    if (left.length === 0) break;
    if (tries === 20) for (const process_ of left) killMarked(run, process_.pid, null);
    await Bun.sleep(100);
  }
  for (const process_ of markedProcesses(MARKER_ENV, run.marker)) killMarked(run, process_.pid, null);
  if (run.options.keep) progress(`kept ${run.dir}`);
  else rmSync(run.dir, { recursive: true, force: true });
}

/** A second Ctrl+C: no more waiting. */
function cleanupNow(run: Run): void {
  if (run.serve && serveAlive(run)) run.serve.kill("SIGKILL");
  for (const process_ of markedProcesses(MARKER_ENV, run.marker)) killMarked(run, process_.pid, null);
  if (!run.options.keep) rmSync(run.dir, { recursive: true, force: true });
}

function onSignal(): void {
  if (interrupted) {
    if (current) cleanupNow(current);
    process.exit(130);
  }
  interrupted = true;
  if (current) current.load.stopped = true;
  process.stderr.write("\ninterrupted: stopping and cleaning up (again to force)\n");
  interruption.resolve();
}

process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
process.exit(await main());
