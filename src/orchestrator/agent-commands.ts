// start, stop and restart of one agent: one command at a time per agent, none during a reload
// or a shutdown; each is a few lifecycle events (lifecycle.ts) fed through the supervisor.

import { transitiveProviders } from "../config/dependency-graph.ts";
import { familyOf } from "../common/agent-names.ts";
import { OrchestratorError } from "./errors.ts";
import { type AgentRuntime, isActive } from "./runtime.ts";
import type { Supervisor } from "./supervisor.ts";

export interface StartOutcome {
  runtime: AgentRuntime;
  alsoStarted: string[];
}

/**
 * A start that spawned nothing: the program or its cwd is missing, not executable, or its account
 * refused. Spawning happens within the command, so a process-less backoff or failure right after
 * it is this start's. The agent keeps what its lifecycle decided (retries per its restart policy).
 */
function throwIfSpawnFailed(runtime: AgentRuntime): void {
  if (runtime.process !== null || runtime.lastError === null) return;
  if (runtime.status !== "backoff" && runtime.status !== "failed") return;
  const name = runtime.config.name;
  throw new OrchestratorError("SPAWN_FAILED", `Agent '${name}' could not be started: ${runtime.lastError}`, {
    agent: name,
    reason: runtime.lastError,
    status: runtime.status,
    next_retry: runtime.nextRunAt === null ? null : new Date(runtime.nextRunAt).toISOString(),
  });
}

export class AgentCommands {
  /** Set while a reload replaces runtimes: agent commands wait for it to finish. */
  reloading = false;

  constructor(private readonly supervisor: Supervisor) {}

  /** Starts a stopped, completed, failed or backing-off agent, and first its providers that are not up. */
  start(name: string): Promise<StartOutcome> {
    return this.exclusive(name, async (runtime) => {
      if (isActive(runtime) && runtime.status !== "backoff") {
        throw new OrchestratorError("AGENT_ALREADY_RUNNING", `Agent '${name}' is already ${runtime.status}`, {
          status: runtime.status,
          pid: runtime.process?.pid ?? null,
        });
      }
      const { supervisor } = this;
      const alsoStarted: string[] = [];
      for (const providerName of transitiveProviders(supervisor.config.agents, familyOf(name))) {
        for (const provider of supervisor.family(providerName)) {
          const providerCopy = provider.config.name;
          if (isActive(provider) || provider.status === "completed" || supervisor.locks.has(providerCopy)) continue;
          supervisor.dispatch(provider, { type: "start_requested" });
          alsoStarted.push(providerCopy);
        }
      }
      supervisor.dispatch(runtime, { type: "start_requested" });
      supervisor.reconcile();
      throwIfSpawnFailed(runtime);
      return { runtime, alsoStarted };
    });
  }

  /** Stops an active agent; resolves true when it exited on stop_signal, false when SIGKILL was needed. */
  stop(name: string): Promise<boolean> {
    return this.exclusive(name, async (runtime) => {
      if (!isActive(runtime)) {
        throw new OrchestratorError("AGENT_NOT_RUNNING", `Agent '${name}' is not running (status: ${runtime.status})`, {
          status: runtime.status,
        });
      }
      return this.supervisor.halt(runtime, { type: "stop_requested", reason: "command" });
    });
  }

  /** Stops the agent if it is active, then starts it again at the front of the start queue. */
  restart(name: string): Promise<AgentRuntime> {
    return this.exclusive(name, async (runtime) => {
      const { supervisor } = this;
      await supervisor.halt(runtime, { type: "stop_requested", reason: "restart" });
      if (supervisor.shuttingDown) {
        throw new OrchestratorError("ORCHESTRATOR_BUSY", `Shutdown began while '${name}' was restarting; it stays stopped`, { agent: name });
      }
      supervisor.dispatch(runtime, { type: "start_requested", front: true, restart: true });
      supervisor.reconcile();
      throwIfSpawnFailed(runtime);
      return runtime;
    });
  }

  /**
   * One run of a periodic agent now, outside its schedule (`run AGENT`). Resolves to the event
   * seq before the request: the run's EXECUTION_STARTED is the first after it.
   */
  run(name: string): Promise<{ runtime: AgentRuntime; afterSeq: number }> {
    return this.exclusive(name, async (runtime) => {
      const { config } = runtime;
      if (config.kind !== "periodic") {
        throw new OrchestratorError("INVALID_ARGUMENT", `Agent '${name}' is ${config.kind}: run starts one run of a periodic agent (use start or restart)`, {
          agent: name,
          kind: config.kind,
        });
      }
      if (runtime.status === "stopping") throw new OrchestratorError("ORCHESTRATOR_BUSY", `Agent '${name}' is stopping`, { agent: name });
      const inLine = runtime.status === "waiting" && runtime.waitingReason !== "next_run";
      if (inLine || (runtime.process && (config.overlap === "skip" || runtime.overlapQueued))) {
        const why = inLine
          ? "a run is already waiting to start"
          : runtime.overlapQueued
            ? "a run is already queued behind the one going"
            : 'a run is going (overlap = "skip")';
        throw new OrchestratorError("AGENT_ALREADY_RUNNING", `Agent '${name}': ${why}`, {
          agent: name,
          status: runtime.status,
          pid: runtime.process?.pid ?? null,
        });
      }
      const afterSeq = this.supervisor.lastSeq();
      this.supervisor.dispatch(runtime, { type: "run_requested" });
      this.supervisor.reconcile();
      throwIfSpawnFailed(runtime);
      return { runtime, afterSeq };
    });
  }

  mustGet(name: string): AgentRuntime {
    const runtime = this.supervisor.runtimes.get(name);
    if (!runtime) {
      const copies = this.supervisor.family(name).map((copy) => copy.config.name);
      const message =
        copies.length > 0
          ? `Agent '${name}' runs as ${copies.length} copies (${copies[0]} … ${copies.at(-1)}): name one, or use a command that takes several`
          : `Agent '${name}' not found in orchestrator`;
      throw new OrchestratorError("AGENT_NOT_FOUND", message, { available_agents: [...this.supervisor.runtimes.keys()] });
    }
    return runtime;
  }

  private async exclusive<T>(name: string, action: (runtime: AgentRuntime) => Promise<T>): Promise<T> {
    const { supervisor } = this;
    if (supervisor.shuttingDown) throw new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is under way");
    if (this.reloading) throw new OrchestratorError("ORCHESTRATOR_BUSY", "A reload is under way", { agent: name });
    const runtime = this.mustGet(name);
    if (supervisor.locks.has(name)) {
      throw new OrchestratorError("ORCHESTRATOR_BUSY", `Another command is changing agent '${name}'`, { agent: name });
    }
    supervisor.locks.add(name);
    try {
      return await action(runtime);
    } finally {
      supervisor.locks.delete(name);
    }
  }
}
