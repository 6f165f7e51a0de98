// The supervisor: owns every agent's runtime, starts them in dependency order within
// max_workers, reacts to exits (restart, backoff, next periodic run) and stops them.

import { join } from "node:path";
import { startOrder, transitiveProviders } from "../config/dependency-graph.ts";
import type { AgentDiff } from "../config/diff.ts";
import type { AgentConfig, Config } from "../config/types.ts";
import type { AgentCounts, DependencyEdge } from "../protocol/commands.ts";
import { type AgentProcess, agentEnv, type ExitInfo, spawnAgent } from "./agent-process.ts";
import { type CheckName, type CheckView, HealthMonitor } from "./health-monitor.ts";
import { LaunchRefusedError, launchPrefix } from "./launch-identity.ts";
import { MemoryGuard } from "./memory-guard.ts";
import { dependencyEdges } from "./dependencies.ts";
import { OrchestratorError } from "./errors.ts";
import { EventLog, type NewEvent } from "./events.ts";
import { endLeftovers } from "./leftovers.ts";
import { OutputLog } from "./output-log.ts";
import { parentDeathPrefix } from "./parent-death.ts";
import { PidRecords } from "./pid-records.ts";
import { type ExitHooks, refuseStart, settleExit } from "./exit-outcome.ts";
import { resetHistory, STABLE_RUN_MS, wantsRestart } from "./restart-policy.ts";
import { type AgentRuntime, clearTimers, countStatuses, createRuntime, isActive } from "./runtime.ts";
import { longestStopChain, stopDependentsFirst } from "./stop-order.ts";
import { PeriodicSchedule } from "./periodic.ts";
import { StartQueue } from "./start-queue.ts";

/** How long stray descendants get between SIGTERM and SIGKILL at the end of a shutdown. */
const STRAY_GRACE_MS = 2_000;

export interface StartOutcome {
  runtime: AgentRuntime;
  alsoStarted: string[];
}

export class Orchestrator {
  readonly events: EventLog;
  readonly startedAt = Date.now();
  private runtimes = new Map<string, AgentRuntime>();
  private readonly queue: StartQueue;
  private readonly locks = new Set<string>();
  private readonly restarting = new Set<AgentRuntime>();
  private shuttingDown = false;
  private reloading = false;
  private readonly schedule: PeriodicSchedule;
  private readonly exitHooks: ExitHooks;
  readonly pidRecords: PidRecords;
  private readonly health: HealthMonitor;
  private readonly memory: MemoryGuard;
  private readonly watchedLogs = new WeakSet<OutputLog>();
  /** Arms the parent-death signal of each agent; empty where the system cannot. */
  readonly spawnPrefix: readonly string[];

  /** `instance` is this serve's id, inherited by every agent process (see leftovers.ts). */
  constructor(
    public config: Config,
    readonly instance: string = crypto.randomUUID(),
  ) {
    this.events = new EventLog(config.orchestrator.history_capacity);
    this.pidRecords = new PidRecords(config.orchestrator.state_dir);
    this.spawnPrefix = parentDeathPrefix();
    this.schedule = new PeriodicSchedule({ due: (runtime) => this.runDue(runtime) });
    this.queue = new StartQueue({
      limit: () => this.config.orchestrator.max_workers,
      lookup: (name) => this.runtimes.get(name),
      launch: (runtime) => this.launch(runtime),
    });
    this.health = new HealthMonitor(
      {
        ready: (runtime, result) => this.onReady(runtime, result.message),
        notReady: (runtime, result) => {
          runtime.status = "starting";
          this.record({ type: "AGENT_NOT_READY", agent: runtime.config.name, severity: "WARNING", details: { pid: runtime.process?.pid ?? null, check: result.message } });
        },
        unhealthy: (runtime, result, failures) =>
          this.restartUnwell(runtime, "AGENT_UNHEALTHY", { failures, check: result.message }),
      },
      (config) => ({ cwd: config.cwd, env: agentEnv(config, this.instance), prefix: safePrefix(config, this.spawnPrefix) }),
    );
    this.memory = new MemoryGuard({
      runtimes: () => this.list(),
      overLimit: (runtime, rss) =>
        this.restartUnwell(runtime, "AGENT_MEMORY_LIMIT", { rss_bytes: rss, max_memory: runtime.config.max_memory }),
    });
    this.exitHooks = {
      record: (event) => this.record(event),
      requeue: (runtime) => this.enqueue(runtime),
      reconcile: () => this.reconcile(),
      schedule: this.schedule,
    };
    for (const agent of config.agents) this.runtimes.set(agent.name, this.newRuntime(agent, this.openLog(agent)));
  }

  /** Starts every autostart agent, providers first. */
  begin(): void {
    this.record({
      type: "ORCHESTRATOR_STARTED",
      agent: null,
      severity: "INFO",
      details: { name: this.config.orchestrator.name, pid: process.pid, agents: this.runtimes.size },
    });
    for (const name of startOrder(this.config.agents)) {
      const runtime = this.mustGet(name);
      if (runtime.config.autostart) this.activate(runtime);
    }
    this.reconcile();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Runtimes in declaration order. */
  list(): AgentRuntime[] {
    return [...this.runtimes.values()];
  }

  get(name: string): AgentRuntime | undefined {
    return this.runtimes.get(name);
  }

  mustGet(name: string): AgentRuntime {
    const runtime = this.runtimes.get(name);
    if (!runtime) {
      throw new OrchestratorError("AGENT_NOT_FOUND", `Agent '${name}' not found in orchestrator`, {
        available_agents: [...this.runtimes.keys()],
      });
    }
    return runtime;
  }

  /**
   * Where each agent waiting for a worker slot stands: 1 starts at the next free slot. Agents
   * still waiting for a dependency are not in line yet.
   */
  queuePositions(): Map<AgentRuntime, number> {
    return this.queue.positions();
  }

  counts(): AgentCounts {
    return countStatuses(this.list());
  }

  /** The last result of the agent's ready and alive checks (null for a check it does not have). */
  healthOf(runtime: AgentRuntime): Record<CheckName, CheckView | null> {
    return this.health.view(runtime);
  }

  /** Every depends_on edge, provider → dependent, with whether it holds now. */
  edges(): DependencyEdge[] {
    return dependencyEdges(this.list(), (name) => this.runtimes.get(name));
  }

  /** Starts a stopped, completed or failed agent, and first its providers that are not up. */
  start(name: string): Promise<StartOutcome> {
    return this.exclusive(name, async () => {
      const runtime = this.mustGet(name);
      if (isActive(runtime) && runtime.status !== "backoff") {
        throw new OrchestratorError("AGENT_ALREADY_RUNNING", `Agent '${name}' is already ${runtime.status}`, {
          status: runtime.status,
          pid: runtime.process?.pid ?? null,
        });
      }
      const alsoStarted: string[] = [];
      for (const providerName of transitiveProviders(this.config.agents, name)) {
        const provider = this.mustGet(providerName);
        if (isActive(provider) || provider.status === "completed") continue;
        if (this.locks.has(providerName)) continue;
        this.activate(provider);
        alsoStarted.push(providerName);
      }
      if (runtime.status === "backoff") clearTimers(runtime);
      this.activate(runtime);
      this.reconcile();
      return { runtime, alsoStarted };
    });
  }

  /** Stops an active agent; resolves true when it exited on stop_signal, false when SIGKILL was needed. */
  stop(name: string): Promise<boolean> {
    return this.exclusive(name, async () => {
      const runtime = this.mustGet(name);
      if (!isActive(runtime)) {
        throw new OrchestratorError("AGENT_NOT_RUNNING", `Agent '${name}' is not running (status: ${runtime.status})`, {
          status: runtime.status,
        });
      }
      return this.halt(runtime, "command");
    });
  }

  /** Stops the agent if it is active, then starts it again. */
  restart(name: string): Promise<AgentRuntime> {
    return this.exclusive(name, async () => {
      const runtime = this.mustGet(name);
      // The agent keeps its worker slot: its exit must not hand the slot to the queue.
      this.restarting.add(runtime);
      try {
        if (isActive(runtime)) await this.halt(runtime, "restart");
      } finally {
        this.restarting.delete(runtime);
      }
      if (this.shuttingDown) {
        throw new OrchestratorError("ORCHESTRATOR_BUSY", `Shutdown began while '${name}' was restarting; it stays stopped`, { agent: name });
      }
      this.activate(runtime, { front: true });
      runtime.restarts++;
      this.record({ type: "AGENT_RESTARTED", agent: name, severity: "INFO", details: { reason: "command" } });
      this.reconcile();
      return runtime;
    });
  }

  /**
   * Stops everything, dependents before their providers; each agent gets its stop signal as soon as
   * all of its dependents are gone, so independent branches stop in parallel.
   */
  async shutdown(onStopped: (name: string, graceful: boolean) => void): Promise<{ stopped: number; allGraceful: boolean }> {
    if (this.shuttingDown) throw new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is already under way");
    this.shuttingDown = true;
    this.queue.clear();
    const active = this.list().filter(isActive);
    this.record({
      type: "SHUTDOWN_INITIATED",
      agent: null,
      severity: "INFO",
      details: { agents_to_stop: active.length },
    });
    for (const runtime of this.runtimes.values()) {
      runtime.wanted = false;
      if (!runtime.process) clearTimers(runtime);
    }
    const budget = this.config.orchestrator.shutdown_timeout * 1000;
    const overrun = setTimeout(() => this.killEverything(), budget);
    const results = await stopDependentsFirst(this.list(), active, async (runtime) => {
      if (!isActive(runtime)) return true;
      const graceful = await this.halt(runtime, "shutdown");
      onStopped(runtime.config.name, graceful);
      return graceful;
    });
    clearTimeout(overrun);
    this.memory.stop();
    // Descendants that left their agent's process group (setsid daemons) still carry our instance id.
    const strays = await endLeftovers({ instances: [this.instance] }, STRAY_GRACE_MS);
    await Promise.all(this.list().map((runtime) => runtime.log.close()));
    const allGraceful = results.every(Boolean);
    this.record({
      type: "SHUTDOWN_COMPLETED",
      agent: null,
      severity: allGraceful ? "INFO" : "WARNING",
      details: { agents_stopped: active.length, all_graceful: allGraceful, strays_ended: strays.length },
    });
    return { stopped: active.length, allGraceful };
  }

  /**
   * Moves to `next` (already validated): removed agents are stopped (dependents first) and
   * dropped; changed ones are stopped and come back with the new definition when autostart is
   * set or they were active before; added ones start if autostart; unchanged ones are untouched.
   */
  async reload(next: Config, diff: AgentDiff): Promise<void> {
    if (this.shuttingDown) throw new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is under way");
    if (this.reloading || this.locks.size > 0) {
      throw new OrchestratorError("ORCHESTRATOR_BUSY", "Another command is changing agents; try the reload again", {
        agents: [...this.locks],
      });
    }
    this.reloading = true;
    try {
      const outgoing = [...diff.removed, ...diff.changed].map((name) => this.mustGet(name));
      const wasActive = new Set(outgoing.filter(isActive).map((runtime) => runtime.config.name));
      await stopDependentsFirst(this.list(), outgoing.filter(isActive), (runtime) => this.halt(runtime, "reload"));
      await Promise.all(diff.removed.map((name) => this.mustGet(name).log.close()));
      const previous = this.runtimes;
      const fresh = new Set([...diff.added, ...diff.changed]);
      this.runtimes = new Map(
        next.agents.map((agent) => {
          const kept = previous.get(agent.name);
          if (kept && !fresh.has(agent.name)) return [agent.name, kept];
          // A changed agent is a new definition: fresh counters, the same log file.
          return [agent.name, this.newRuntime(agent, kept?.log ?? this.openLog(agent))];
        }),
      );
      this.config = next;
      for (const name of startOrder(next.agents)) {
        if (!fresh.has(name)) continue;
        const runtime = this.mustGet(name);
        if (runtime.config.autostart || wasActive.has(name)) this.activate(runtime);
      }
      this.reconcile();
      this.record({
        type: "ORCHESTRATOR_RELOADED",
        agent: null,
        severity: "INFO",
        details: { config: next.path, ...diff },
      });
    } finally {
      this.reloading = false;
    }
  }

  /** Seconds a shutdown may take: the longest chain of stop_timeouts, within shutdown_timeout. */
  estimateShutdownSeconds(): number {
    return Math.min(this.config.orchestrator.shutdown_timeout, Math.ceil(longestStopChain(this.list())));
  }

  /** Last resort when the shutdown budget runs out: SIGKILL to every group still there. */
  killEverything(): void {
    for (const runtime of this.runtimes.values()) runtime.process?.signalGroup("SIGKILL");
  }

  record(event: NewEvent): void {
    this.events.record(event);
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** A runtime for `agent`; a log check gets to read its output (the log object outlives runtimes). */
  private newRuntime(agent: AgentConfig, log: OutputLog): AgentRuntime {
    const readsOutput = agent.ready?.target.kind === "log" || agent.alive?.target.kind === "log";
    if (readsOutput && !this.watchedLogs.has(log)) {
      this.watchedLogs.add(log);
      log.onRecord((record) => {
        const runtime = this.runtimes.get(agent.name);
        if (runtime) this.health.feed(runtime, record);
      });
    }
    return createRuntime(agent, log);
  }

  private openLog(agent: AgentConfig): OutputLog {
    return new OutputLog(join(this.config.orchestrator.state_dir, "logs", `${agent.name}.log`), () => {
      const runtime = this.runtimes.get(agent.name);
      if (runtime) runtime.lastActivity = Date.now();
    }, { maxBytes: agent.log_max_size, keep: agent.log_keep });
  }

  private async exclusive<T>(name: string, action: () => Promise<T>): Promise<T> {
    if (this.shuttingDown) throw new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is under way");
    if (this.reloading) throw new OrchestratorError("ORCHESTRATOR_BUSY", "A reload is under way", { agent: name });
    this.mustGet(name);
    if (this.locks.has(name)) {
      throw new OrchestratorError("ORCHESTRATOR_BUSY", `Another command is changing agent '${name}'`, { agent: name });
    }
    this.locks.add(name);
    try {
      return await action();
    } finally {
      this.locks.delete(name);
    }
  }

  /** Marks the agent wanted with a fresh crash-loop history and queues its start (or its schedule). */
  private activate(runtime: AgentRuntime, place: { front?: boolean } = {}): void {
    runtime.wanted = true;
    runtime.stopRequested = false;
    resetHistory(runtime.history);
    if (runtime.config.kind === "periodic") {
      runtime.runsDone = 0;
      runtime.overlapQueued = false;
      if (!this.schedule.begin(runtime)) {
        // A cron schedule (or jitter): the first run comes when the schedule says.
        runtime.status = "waiting";
        runtime.waitingReason = "next_run";
        return;
      }
    }
    this.enqueue(runtime, place);
  }

  private enqueue(runtime: AgentRuntime, place: { front?: boolean } = {}): void {
    this.queue.add(runtime, place.front);
    runtime.status = "waiting";
    runtime.waitingReason = "dependencies";
  }

  /** A periodic run fell due; a run still going or still queued makes this one a skipped run. */
  private runDue(runtime: AgentRuntime): void {
    const inFlight = runtime.process !== null || this.queue.has(runtime);
    // The run in flight is the last one the limit allows: nothing more is due, so nothing is skipped.
    const { limit, overlap } = runtime.config;
    if (limit !== -1 && runtime.runsDone + (inFlight ? 1 : 0) >= limit) return;
    if (!inFlight) {
      this.enqueue(runtime);
      this.reconcile();
      return;
    }
    const child = runtime.process;
    if (overlap === "skip" || !child || runtime.overlapQueued) {
      this.record({
        type: "EXECUTION_SKIPPED",
        agent: runtime.config.name,
        severity: "WARNING",
        details: { reason: child ? (runtime.overlapQueued ? "a run is already queued behind the one going" : "previous run still going") : "previous run still queued" },
      });
      return;
    }
    // "queue": the due run starts as soon as this one ends; "kill": and this one is ended now.
    runtime.overlapQueued = true;
    this.record({ type: "EXECUTION_QUEUED", agent: runtime.config.name, severity: "INFO", details: { overlap, running_pid: child.pid } });
    if (overlap === "kill") void this.terminate(runtime, child);
  }

  /** Starts whatever can start now: dependencies satisfied and a worker slot free, in FIFO order. */
  private reconcile(): void {
    if (!this.shuttingDown) this.queue.drain();
  }

  private launch(runtime: AgentRuntime): void {
    const { config } = runtime;
    runtime.status = "starting";
    runtime.waitingReason = null;
    runtime.nextRunAt = runtime.config.kind === "periodic" ? this.schedule.nextTickAt(runtime) : null;
    runtime.stopRequested = false;
    runtime.timedOut = false;
    let child: AgentProcess;
    try {
      child = spawnAgent(config, runtime.log, {
        instance: this.instance,
        prefix: this.spawnPrefix,
        sweepEscapees: () => !this.shuttingDown,
      });
    } catch (error) {
      runtime.lastActivity = Date.now();
      const message = error instanceof Error ? error.message : String(error);
      runtime.lastError = message;
      if (error instanceof LaunchRefusedError) refuseStart(this.exitHooks, runtime, message);
      else settleExit(this.exitHooks, runtime, { code: 127, signal: null, status: 127 }, 0, message);
      return;
    }
    runtime.lastError = null;
    this.queue.processStarted();
    runtime.process = child;
    this.pidRecords.add(config.name, child.pid, this.instance);
    // With a ready check the agent is "starting" until it passes; dependents on `ready` wait.
    runtime.status = config.ready ? "starting" : "running";
    runtime.lastActivity = child.startedAt;
    if (config.ready || config.alive) this.health.begin(runtime);
    if (config.max_memory !== null) this.memory.update();
    this.record({
      type: config.kind === "periodic" ? "EXECUTION_STARTED" : "AGENT_STARTED",
      agent: config.name,
      severity: "INFO",
      details: { pid: child.pid, run: config.kind === "periodic" ? runtime.runsDone + 1 : undefined },
    });
    if (config.timeout !== null && config.kind !== "looping") {
      runtime.runTimer = setTimeout(() => {
        runtime.timedOut = true;
        void this.terminate(runtime, child);
      }, config.timeout * 1000);
    }
    // A crash after a stable run comes back at once, without waiting for the old run's escapee
    // sweep and output drain, which finish meanwhile (1.3–2.4 ms of a 5.4 ms kill -9 → replacement
    // with 500 agents, measured). Every other exit is settled once the run has fully ended.
    void child.ended.then((info) => {
      if (runtime.process === child && this.restartsAtOnce(runtime, info, child)) this.onExit(runtime, child, info);
    });
    void child.exited.then((info) => this.onExit(runtime, child, info));
  }

  /** The exit is the agent's own and settleExit will restart it now (restart-policy.ts), not back off or give up. */
  private restartsAtOnce(runtime: AgentRuntime, info: ExitInfo, child: AgentProcess): boolean {
    const { config, history } = runtime;
    if (config.kind !== "looping" || runtime.stopRequested || this.shuttingDown || this.restarting.has(runtime)) return false;
    const now = Date.now();
    if (!wantsRestart(config, info.status) || now - child.startedAt < STABLE_RUN_MS) return false;
    const windowStart = now - config.restart_window * 1000;
    return history.exitTimes.filter((time) => time > windowStart).length < config.max_restarts;
  }

  private onExit(runtime: AgentRuntime, child: AgentProcess, info: ExitInfo): void {
    if (runtime.process !== child) return;
    this.queue.processEnded();
    this.pidRecords.remove(runtime.config.name);
    runtime.process = null;
    this.health.end(runtime);
    if (runtime.config.max_memory !== null) this.memory.update();
    if (runtime.runTimer) clearTimeout(runtime.runTimer);
    runtime.runTimer = null;
    const now = Date.now();
    runtime.lastActivity = now;
    if (runtime.stopRequested) {
      runtime.lastExitCode = info.status;
      runtime.status = "stopped";
      runtime.waitingReason = null;
    } else {
      settleExit(this.exitHooks, runtime, { ...info, pid: child.pid }, now - child.startedAt);
    }
    if (runtime.overlapQueued) {
      // overlap "queue"/"kill": the run that fell due meanwhile starts now.
      runtime.overlapQueued = false;
      if (runtime.wanted && runtime.status === "waiting") this.enqueue(runtime);
    }
    if (!this.restarting.has(runtime)) this.reconcile();
  }

  /** The ready check passed: the agent is running, and dependents waiting on `ready` may start. */
  private onReady(runtime: AgentRuntime, check: string): void {
    if (runtime.status !== "starting" || !runtime.process) return;
    runtime.status = "running";
    this.record({ type: "AGENT_READY", agent: runtime.config.name, severity: "INFO", details: { pid: runtime.process.pid, check } });
    this.reconcile();
  }

  /** A failed liveness check or the memory limit: end the process; its exit is handled as a crash (restart per policy). */
  private restartUnwell(runtime: AgentRuntime, type: "AGENT_UNHEALTHY" | "AGENT_MEMORY_LIMIT", details: Record<string, unknown>): void {
    const child = runtime.process;
    if (!child || runtime.stopRequested || this.locks.has(runtime.config.name)) return;
    this.record({ type, agent: runtime.config.name, severity: "WARNING", details: { pid: child.pid, ...details } });
    this.health.end(runtime);
    void this.terminate(runtime, child);
  }

  /** Takes an agent down whatever it is doing; true when the process left on its stop signal. */
  private async halt(runtime: AgentRuntime, reason: "command" | "restart" | "shutdown" | "reload"): Promise<boolean> {
    runtime.wanted = false;
    runtime.overlapQueued = false;
    this.health.end(runtime);
    this.queue.remove(runtime);
    this.schedule.cancel(runtime);
    clearTimers(runtime);
    const child = runtime.process;
    let graceful = true;
    if (child) {
      runtime.stopRequested = true;
      runtime.status = "stopping";
      graceful = await this.terminate(runtime, child);
    } else {
      runtime.status = "stopped";
      runtime.waitingReason = null;
    }
    this.record({
      type: "AGENT_STOPPED",
      agent: runtime.config.name,
      severity: graceful ? "INFO" : "WARNING",
      details: {
        reason,
        graceful_shutdown: graceful,
        pid: child?.pid ?? null,
        // terminate() has already awaited the exit: these are settled values.
        exit_code: child ? (await child.exited).code : null,
        signal: child ? (await child.exited).signal : null,
      },
    });
    return graceful;
  }

  /** stop_signal to the group, SIGKILL after stop_timeout; resolves when the process is gone. */
  private async terminate(runtime: AgentRuntime, child: AgentProcess): Promise<boolean> {
    const { stop_signal, stop_timeout } = runtime.config;
    child.signalGroup(stop_signal as NodeJS.Signals);
    let graceful = true;
    const kill = setTimeout(() => {
      graceful = false;
      child.signalGroup("SIGKILL");
    }, stop_timeout * 1000);
    await child.exited;
    clearTimeout(kill);
    return graceful;
  }
}

/** Command checks run as the agent would; an account serve cannot take leaves them as serve. */
function safePrefix(config: AgentConfig, base: readonly string[]): readonly string[] {
  try {
    return launchPrefix(config, base);
  } catch {
    return base;
  }
}
