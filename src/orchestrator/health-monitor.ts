// Readiness and liveness checks of running agents. A looping agent with a ready check is
// "starting" until the check passes; its liveness checks begin once it is ready (at start when
// it has no ready check). Log checks watch the run's own output lines.

import type { AgentConfig, HealthCheckConfig } from "../config/types.ts";
import { type HealthCounter as Counter, HealthCounter } from "./health/checker.ts";
import { createLogMatcher, type LogMatcher } from "./health/log-matcher.ts";
import { type ProbeResult, runProbe } from "./health/probes.ts";
import { type CheckSchedule, startChecks } from "./health/schedule.ts";
import type { LogRecord } from "./output-log.ts";
import { type Clock, systemClock } from "./ports.ts";
import type { AgentRuntime } from "./runtime.ts";

export type CheckName = "ready" | "alive";

/** What status shows of one check. */
export interface CheckView {
  healthy: boolean | null;
  consecutive_failures: number;
  last_result: { ok: boolean; message: string; at: string } | null;
}

export interface HealthHooks {
  /** The ready check passed success_threshold times in a row. */
  ready(runtime: AgentRuntime, result: ProbeResult): void;
  /** A ready agent failed its ready check failure_threshold times in a row. */
  notReady(runtime: AgentRuntime, result: ProbeResult): void;
  /** The alive check failed failure_threshold times in a row. */
  unhealthy(runtime: AgentRuntime, result: ProbeResult, failures: number): void;
}

/** Where command probes run: the agent's cwd, environment and account. */
export interface ProbeSetting {
  cwd: string;
  env: Record<string, string | undefined>;
  prefix: readonly string[];
}

interface Watch {
  schedule: CheckSchedule;
  counter: Counter;
  matcher: LogMatcher | null;
}

const decoder = new TextDecoder();

export class HealthMonitor {
  private readonly watches = new Map<AgentRuntime, Partial<Record<CheckName, Watch>>>();
  /** Outlives the run, so status shows the last result after an exit. */
  private readonly counters = new Map<AgentRuntime, Partial<Record<CheckName, Counter>>>();
  private readonly partial = new Map<AgentRuntime, Record<string, string>>();

  constructor(
    private readonly hooks: HealthHooks,
    private readonly setting: (config: AgentConfig) => ProbeSetting,
    private readonly clock: Clock = systemClock,
  ) {}

  /** A run began: its first check comes after initial_delay. */
  begin(runtime: AgentRuntime): void {
    this.end(runtime);
    this.counters.delete(runtime);
    const { ready, alive } = runtime.config;
    // A notify check is not probed: the agent's READY=1 comes through notified().
    if (ready?.target.kind === "notify") return;
    if (ready) this.watch(runtime, "ready", ready);
    else if (alive) this.watch(runtime, "alive", alive);
  }

  /** A notify check passed (READY=1): status shows it, and the liveness checks begin. */
  notified(runtime: AgentRuntime, message: string): void {
    const { ready, alive } = runtime.config;
    if (!ready) return;
    const counters = this.counters.get(runtime) ?? {};
    const counter = counters.ready ?? new HealthCounter({ successThreshold: 1, failureThreshold: ready.failure_threshold });
    counter.record({ ok: true, message });
    counters.ready = counter;
    this.counters.set(runtime, counters);
    if (alive && !this.watches.get(runtime)?.alive) this.watch(runtime, "alive", alive);
  }

  /** The run ended (or is being stopped): no more checks. */
  end(runtime: AgentRuntime): void {
    const watches = this.watches.get(runtime);
    for (const watch of Object.values(watches ?? {})) watch?.schedule.stop();
    this.watches.delete(runtime);
    this.partial.delete(runtime);
  }

  /** The run's output, for log checks; cheap when no check of this agent reads it. */
  feed(runtime: AgentRuntime, record: LogRecord): void {
    const watches = this.watches.get(runtime);
    if (!watches || (!watches.ready?.matcher && !watches.alive?.matcher)) return;
    const partial = this.partial.get(runtime) ?? {};
    const text = (partial[record.stream] ?? "") + decoder.decode(record.payload);
    if (record.continues) {
      // Keep a bounded tail of a line still being written; the matcher sees whole lines.
      partial[record.stream] = text.slice(-65_536);
      this.partial.set(runtime, partial);
      return;
    }
    partial[record.stream] = "";
    watches.ready?.matcher?.feed(text);
    watches.alive?.matcher?.feed(text);
  }

  view(runtime: AgentRuntime): Record<CheckName, CheckView | null> {
    const counters = this.counters.get(runtime) ?? {};
    const show = (name: CheckName): CheckView | null => {
      if (!runtime.config[name]) return null;
      const counter = counters[name];
      const last = counter?.last ?? null;
      return {
        healthy: counter?.healthy ?? null,
        consecutive_failures: counter?.consecutiveFailures ?? 0,
        last_result: last ? { ok: last.ok, message: last.message, at: new Date(last.at).toISOString() } : null,
      };
    };
    return { ready: show("ready"), alive: show("alive") };
  }

  private watch(runtime: AgentRuntime, name: CheckName, check: HealthCheckConfig): void {
    const counter = new HealthCounter({ successThreshold: check.success_threshold, failureThreshold: check.failure_threshold });
    const counters = this.counters.get(runtime) ?? {};
    counters[name] = counter;
    this.counters.set(runtime, counters);
    const matcher = check.target.kind === "log" ? createLogMatcher(check.target.regex) : null;
    const watch: Watch = {
      counter,
      matcher,
      schedule: startChecks({
        timers: this.clock,
        initialDelayMs: check.initial_delay * 1000,
        intervalMs: check.interval * 1000,
        run: async () => {
          const result = await this.probe(runtime, check, matcher, name);
          // The run may have ended while the probe was out.
          if (this.watches.get(runtime)?.[name] !== watch) return;
          this.settle(runtime, name, counter.record(result), result);
        },
      }),
    };
    const watches = this.watches.get(runtime) ?? {};
    watches[name] = watch;
    this.watches.set(runtime, watches);
  }

  private probe(runtime: AgentRuntime, check: HealthCheckConfig, matcher: LogMatcher | null, name: CheckName): Promise<ProbeResult> {
    const { target } = check;
    if (target.kind === "notify") return Promise.resolve({ ok: false, message: "a notify check is not probed", durationMs: 0 });
    if (target.kind === "log") {
      const ok = matcher?.matched ?? false;
      // Liveness by log: a matching line since the previous check.
      if (name === "alive") matcher?.reset();
      const message = ok ? "a line matched" : `no line has matched /${target.pattern}/ yet`;
      return Promise.resolve({ ok, message, durationMs: 0 });
    }
    const setting = this.setting(runtime.config);
    return runProbe(target, { timeoutMs: check.timeout * 1000, cwd: setting.cwd, env: setting.env, prefix: setting.prefix });
  }

  private settle(runtime: AgentRuntime, name: CheckName, transition: ReturnType<Counter["record"]>, result: ProbeResult): void {
    if (name === "ready") {
      if (transition === "became-healthy") {
        this.hooks.ready(runtime, result);
        const alive = runtime.config.alive;
        if (alive && !this.watches.get(runtime)?.alive) this.watch(runtime, "alive", alive);
      } else if (transition === "became-unhealthy" && runtime.status === "running") {
        this.hooks.notReady(runtime, result);
      }
      return;
    }
    if (transition === "became-unhealthy") {
      const counter = this.counters.get(runtime)?.alive;
      this.hooks.unhealthy(runtime, result, counter?.consecutiveFailures ?? 0);
    }
  }
}
