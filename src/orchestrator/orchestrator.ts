// The orchestrator as the server sees it: the agents' runtimes and what can be asked of them.
// The lifecycle itself is lifecycle.ts (decisions) and supervisor.ts (effects); commands,
// shutdown and reload are their own files.

import { join } from "node:path";
import { startOrder } from "../config/dependency-graph.ts";
import type { AgentDiff } from "../config/diff.ts";
import type { AgentConfig, Config } from "../config/types.ts";
import type { AgentCounts, DependencyEdge } from "../protocol/agents.ts";
import type { ManyAgentsData, ScaleData } from "../protocol/commands.ts";
import { scaleAgent } from "./scale.ts";
import { AgentCommands, type StartOutcome } from "./agent-commands.ts";
import { copiesOf } from "./instances.ts";
import { type ManyAction, manyAgents } from "./many-agents.ts";
import { selectAgents } from "./selectors.ts";
import type { NotifyDatagram, NotifyPort } from "./agent-notify.ts";
import { dependencyEdges } from "./dependencies.ts";
import { OrchestratorError } from "./errors.ts";
import { EventLog, type NewEvent } from "./events.ts";
import type { CheckName, CheckView } from "./health-monitor.ts";
import { OutputLog } from "./output-log.ts";
import { parentDeathPrefix } from "./parent-death.ts";
import { PidRecords } from "./pid-records.ts";
import { type Clock, type GroupTracker, processSpawner, type Spawner, systemClock } from "./ports.ts";
import { reloadAgents } from "./reload-agents.ts";
import { type AgentRuntime, countStatuses } from "./runtime.ts";
import { type ShutdownResult, shutdownAgents } from "./shutdown.ts";
import { longestStopChain } from "./stop-order.ts";
import { Supervisor } from "./supervisor.ts";

export type { StartOutcome };

export interface OrchestratorOptions {
  /** This serve's id, inherited by every agent process (see leftovers.ts). */
  instance?: string;
  clock?: Clock;
  spawner?: Spawner;
  /** Arms the parent-death signal of each agent; by default what this system offers (parent-death.ts), none with `groups`. */
  spawnPrefix?: readonly string[];
  /** serve's death guard (system/death-guard.ts): told every agent group, it ends them if serve dies. */
  groups?: GroupTracker;
  /** Receives notify agents' datagrams (deliver them to notified()); none: notify agents cannot start. */
  notify?: NotifyPort | { problem: string } | null;
  /** Whether a datagram's sender belongs to a run (tests: their fake processes have no /proc). */
  inRun?: (pid: number, leader: number) => boolean;
}

export class Orchestrator {
  readonly events: EventLog;
  readonly startedAt = Date.now();
  readonly pidRecords: PidRecords;
  readonly instance: string;
  /** Arms the parent-death signal of each agent; empty where the system cannot. */
  readonly spawnPrefix: readonly string[];
  private readonly supervisor: Supervisor;
  private readonly commands: AgentCommands;

  constructor(config: Config, options: OrchestratorOptions = {}) {
    this.instance = options.instance ?? crypto.randomUUID();
    this.events = new EventLog(config.orchestrator.history_capacity);
    this.pidRecords = new PidRecords(config.orchestrator.state_dir);
    this.spawnPrefix = options.spawnPrefix ?? (options.groups ? [] : parentDeathPrefix());
    this.supervisor = new Supervisor({
      config,
      instance: this.instance,
      clock: options.clock ?? systemClock,
      spawner: options.spawner ?? processSpawner,
      events: this.events,
      pidRecords: this.pidRecords,
      spawnPrefix: this.spawnPrefix,
      notify: options.notify ?? null,
      inRun: options.inRun,
      groups: options.groups,
    });
    this.commands = new AgentCommands(this.supervisor);
    for (const agent of config.agents) {
      for (const copy of copiesOf(agent)) this.supervisor.runtimes.set(copy.name, this.supervisor.newRuntime(copy, this.openLog(copy)));
    }
  }

  /** The running configuration; a reload replaces it. */
  get config(): Config {
    return this.supervisor.config;
  }

  /** Starts every autostart agent, providers first. */
  begin(): void {
    this.record({
      type: "ORCHESTRATOR_STARTED",
      agent: null,
      severity: "INFO",
      details: { name: this.config.orchestrator.name, pid: process.pid, agents: this.supervisor.runtimes.size },
    });
    for (const name of startOrder(this.config.agents)) {
      for (const runtime of this.family(name)) if (runtime.config.autostart) this.supervisor.dispatch(runtime, { type: "start_requested" });
    }
    this.supervisor.reconcile();
  }

  get isShuttingDown(): boolean {
    return this.supervisor.shuttingDown;
  }

  /** Runtimes in declaration order. */
  list(): AgentRuntime[] {
    return [...this.supervisor.runtimes.values()];
  }

  get(name: string): AgentRuntime | undefined {
    return this.supervisor.runtimes.get(name);
  }

  /** Agent `name`'s runtimes: itself, or each copy NAME#i of an agent with `instances`. */
  family(name: string): AgentRuntime[] {
    return this.supervisor.family(name);
  }

  mustGet(name: string): AgentRuntime {
    return this.commands.mustGet(name);
  }

  /**
   * Where each agent waiting for a worker slot stands: 1 starts at the next free slot. Agents
   * still waiting for a dependency are not in line yet.
   */
  queuePositions(): Map<AgentRuntime, number> {
    return this.supervisor.queue.positions();
  }

  counts(): AgentCounts {
    return countStatuses(this.list());
  }

  /** The last result of the agent's ready and alive checks (null for a check it does not have). */
  healthOf(runtime: AgentRuntime): Record<CheckName, CheckView | null> {
    return this.supervisor.health.view(runtime);
  }

  /** Every depends_on edge, provider → dependent, with whether it holds now. */
  edges(): DependencyEdge[] {
    return dependencyEdges(this.list(), (name) => this.supervisor.family(name));
  }

  start(name: string): Promise<StartOutcome> {
    return this.commands.start(name);
  }

  stop(name: string): Promise<boolean> {
    return this.commands.stop(name);
  }

  restart(name: string): Promise<AgentRuntime> {
    return this.commands.restart(name);
  }

  /** Every runtime's name, providers before dependents; an agent's copies in its place, by number. */
  startOrder(): string[] {
    return startOrder(this.config.agents).flatMap((name) => this.family(name).map((runtime) => runtime.config.name));
  }

  /** The agents that `selectors` (names, `all`, `@group`) name, in declaration order; AGENT_NOT_FOUND for one that names none. */
  select(selectors: readonly string[]): string[] {
    return selectAgents(selectors, this.list());
  }

  /** start/stop/restart/run of several agents, each one's outcome in the order acted on; see many-agents.ts. */
  many(action: ManyAction, names: readonly string[]): Promise<ManyAgentsData> {
    return manyAgents(this, action, names);
  }

  /** How many copies of an agent with instances run; see scale.ts. */
  scale(name: string, count: number): Promise<ScaleData> {
    if (this.supervisor.shuttingDown) return Promise.reject(new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is under way"));
    if (this.commands.reloading) return Promise.reject(new OrchestratorError("ORCHESTRATOR_BUSY", "A reload is under way", { agent: name }));
    return scaleAgent(this.supervisor, name, count, (agent) => this.openLog(agent));
  }

  /** One run of a periodic agent now, outside its schedule; see agent-commands.ts. */
  run(name: string): Promise<{ runtime: AgentRuntime; afterSeq: number }> {
    return this.commands.run(name);
  }

  /** Stops everything, dependents before their providers; see shutdown.ts. */
  shutdown(onStopped: (name: string, graceful: boolean) => void): Promise<ShutdownResult> {
    if (this.supervisor.shuttingDown) return Promise.reject(new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is already under way"));
    return shutdownAgents(this.supervisor, this.instance, onStopped);
  }

  /** Moves to `next` (already validated); see reload-agents.ts. */
  async reload(next: Config, diff: AgentDiff): Promise<void> {
    const { supervisor, commands } = this;
    if (supervisor.shuttingDown) throw new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is under way");
    if (commands.reloading || supervisor.locks.size > 0) {
      throw new OrchestratorError("ORCHESTRATOR_BUSY", "Another command is changing agents; try the reload again", {
        agents: [...supervisor.locks],
      });
    }
    commands.reloading = true;
    try {
      await reloadAgents(supervisor, next, diff, (agent) => this.openLog(agent));
    } finally {
      commands.reloading = false;
    }
  }

  /** Seconds a shutdown may take: the longest chain of stop_timeouts, within shutdown_timeout. */
  estimateShutdownSeconds(): number {
    return Math.min(this.config.orchestrator.shutdown_timeout, Math.ceil(longestStopChain(this.list())));
  }

  /** Last resort when the shutdown budget runs out, or a second signal: SIGKILL to every group still there. */
  killEverything(): void {
    this.supervisor.killEverything();
  }

  record(event: NewEvent): void {
    this.events.record(event);
  }

  /** A datagram on agent `name`'s notify socket (agent-notify.ts). */
  notified(name: string, datagram: NotifyDatagram): void {
    this.supervisor.notified(name, datagram);
  }

  private openLog(agent: AgentConfig): OutputLog {
    return new OutputLog(
      join(this.config.orchestrator.state_dir, "logs", `${agent.name}.log`),
      () => {
        const runtime = this.get(agent.name);
        if (runtime) runtime.lastActivity = Date.now();
      },
      { maxBytes: agent.log_max_size, keep: agent.log_keep },
    );
  }
}
