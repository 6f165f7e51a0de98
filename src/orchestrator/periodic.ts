// When a periodic agent's next run falls due: fixed delay (interval after a run ends), fixed
// rate (every interval from the schedule's start, whatever the runs take), or a cron schedule
// (on the minute, in local time). `jitter` delays each run by a random part of a second count.

import { type CronSchedule, nextRun } from "../common/cron.ts";
import { jitterMs } from "./clock.ts";
import type { Clock, TimerHandle } from "./ports.ts";
import type { AgentRuntime } from "./runtime.ts";

interface Hooks {
  /** A run is due now. */
  due(runtime: AgentRuntime): void;
}

/** A timer never waits longer than this at once: setTimeout turns delays over 2^31-1 ms into 1 ms. */
const LONGEST_WAIT_MS = 6 * 60 * 60 * 1000;

interface ScheduleClock {
  /** Fixed rate: the schedule's start (ms); cron: unused. */
  origin: number;
  ticks: number;
  /** Cron: the last minute a run fell due at (clock time, ms). */
  lastDue: number;
  cron: CronSchedule | null;
  timer: TimerHandle | null;
}

export class PeriodicSchedule {
  private readonly clocks = new Map<AgentRuntime, ScheduleClock>();

  constructor(
    private readonly hooks: Hooks,
    private readonly clock: Clock,
  ) {}

  /**
   * A schedule starts. Returns true when the first run is due at once (interval schedules
   * without jitter): the caller queues it; otherwise the schedule calls `due` when it is time.
   */
  begin(runtime: AgentRuntime): boolean {
    this.cancel(runtime);
    const { config } = runtime;
    const { cron } = config;
    if (cron === null && !config.delay_compensation) {
      if (config.jitter <= 0) return true;
      this.arm(runtime, this.clock.now());
      return false;
    }
    const clock: ScheduleClock = { origin: this.clock.now(), ticks: 0, lastDue: this.clock.wallNow(), cron, timer: null };
    this.clocks.set(runtime, clock);
    if (cron === null) {
      // Fixed rate: the first run at once, the next ones anchored to the origin.
      this.armTick(runtime, clock);
      if (config.jitter <= 0) return true;
      this.arm(runtime, this.clock.now());
      return false;
    }
    this.armCron(runtime, clock);
    return false;
  }

  /** A run ended and more are to come. */
  afterRun(runtime: AgentRuntime): void {
    const clock = this.clocks.get(runtime);
    if (clock) {
      runtime.nextRunAt = clock.cron ? this.realTime(this.nextCron(clock)) : this.tickTime(clock, runtime, clock.ticks + 1);
      return;
    }
    this.arm(runtime, this.clock.now() + this.intervalMs(runtime));
  }

  cancel(runtime: AgentRuntime): void {
    const clock = this.clocks.get(runtime);
    if (clock) this.clock.clearTimer(clock.timer);
    this.clocks.delete(runtime);
    this.clock.clearTimer(runtime.timer);
    runtime.timer = null;
  }

  /** The next fixed-rate tick or cron minute, or null under fixed delay (known only once the run ends). */
  nextTickAt(runtime: AgentRuntime): number | null {
    const clock = this.clocks.get(runtime);
    if (!clock) return null;
    return clock.cron ? this.realTime(this.nextCron(clock)) : this.tickTime(clock, runtime, clock.ticks + 1);
  }

  /** One run at `at` (ms, real time) plus jitter, through runtime.timer. */
  private arm(runtime: AgentRuntime, at: number): void {
    const when = at + jitterMs(runtime.config.jitter);
    runtime.nextRunAt = when;
    this.clock.clearTimer(runtime.timer);
    runtime.timer = this.clock.setTimer(
      () => {
        runtime.timer = null;
        this.hooks.due(runtime);
      },
      Math.max(0, when - this.clock.now()),
    );
  }

  private armTick(runtime: AgentRuntime, clock: ScheduleClock): void {
    const at = this.tickTime(clock, runtime, clock.ticks + 1);
    // Anchored to the origin, not to the previous timer, so the rate does not drift.
    clock.timer = this.clock.setTimer(
      () => {
        clock.ticks++;
        if (this.limitReached(runtime)) return this.cancel(runtime);
        this.armTick(runtime, clock);
        this.fire(runtime);
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private armCron(runtime: AgentRuntime, clock: ScheduleClock): void {
    const due = this.nextCron(clock);
    if (due === null) {
      runtime.nextRunAt = null;
      return;
    }
    runtime.nextRunAt = this.realTime(due);
    clock.timer = this.clock.setTimer(
      () => {
        // A long wait is taken in steps; only the minute itself runs the agent.
        if (this.delayUntil(due) > 0) return this.armCron(runtime, clock);
        clock.lastDue = due;
        if (this.limitReached(runtime)) return this.cancel(runtime);
        this.armCron(runtime, clock);
        this.fire(runtime);
      },
      Math.min(this.delayUntil(due), LONGEST_WAIT_MS),
    );
  }

  /** A tick or cron minute fell due: run now, or after this run's jitter. */
  private fire(runtime: AgentRuntime): void {
    if (runtime.config.jitter <= 0) this.hooks.due(runtime);
    else this.arm(runtime, this.clock.now());
  }

  private limitReached(runtime: AgentRuntime): boolean {
    const { limit } = runtime.config;
    return limit !== -1 && runtime.runsDone >= limit;
  }

  /** The first cron minute after the last one that fell due (clock time), or null if none ever comes. */
  private nextCron(clock: ScheduleClock): number | null {
    if (!clock.cron) return null;
    return nextRun(clock.cron, new Date(clock.lastDue))?.getTime() ?? null;
  }

  /** Clock time (which PYORCHESTRATE_FAKE_NOW may shift) → the real time a timer fires at. */
  private realTime(clockTime: number | null): number | null {
    return clockTime === null ? null : clockTime - (this.clock.wallNow() - this.clock.now());
  }

  /** Milliseconds from now until `when` (a wall clock time), never negative. */
  private delayUntil(when: number): number {
    return Math.max(0, when - this.clock.wallNow());
  }

  private tickTime(clock: ScheduleClock, runtime: AgentRuntime, tick: number): number {
    return clock.origin + tick * this.intervalMs(runtime);
  }

  private intervalMs(runtime: AgentRuntime): number {
    return (runtime.config.execution_interval ?? 0) * 1000;
  }
}
