// When a periodic agent's next run falls due: fixed delay (interval after a run ends) or
// fixed rate (every interval from the schedule's start, whatever the runs take).

import type { AgentRuntime } from "./runtime.ts";

interface Hooks {
  /** A run is due now. */
  due(runtime: AgentRuntime): void;
}

interface RateClock {
  origin: number;
  ticks: number;
  timer: Timer;
}

export class PeriodicSchedule {
  private readonly clocks = new Map<AgentRuntime, RateClock>();

  constructor(private readonly hooks: Hooks) {}

  /** A schedule starts; its first run is queued by the caller at once. */
  begin(runtime: AgentRuntime): void {
    this.cancel(runtime);
    if (!runtime.config.delay_compensation) return;
    const clock: RateClock = { origin: Date.now(), ticks: 0, timer: undefined as unknown as Timer };
    this.clocks.set(runtime, clock);
    this.armTick(runtime, clock);
  }

  /** A run ended and more are to come. */
  afterRun(runtime: AgentRuntime): void {
    const clock = this.clocks.get(runtime);
    if (clock) {
      runtime.nextRunAt = this.tickTime(runtime, clock.ticks + 1);
      return;
    }
    const delay = this.intervalMs(runtime);
    runtime.nextRunAt = Date.now() + delay;
    runtime.timer = setTimeout(() => {
      runtime.timer = null;
      this.hooks.due(runtime);
    }, delay);
  }

  cancel(runtime: AgentRuntime): void {
    const clock = this.clocks.get(runtime);
    if (clock) clearTimeout(clock.timer);
    this.clocks.delete(runtime);
  }

  /** The next fixed-rate tick, or null under fixed delay (known only once the run ends). */
  nextTickAt(runtime: AgentRuntime): number | null {
    const clock = this.clocks.get(runtime);
    return clock ? this.tickTime(runtime, clock.ticks + 1) : null;
  }

  private armTick(runtime: AgentRuntime, clock: RateClock): void {
    const at = this.tickTime(runtime, clock.ticks + 1);
    // Anchored to the origin, not to the previous timer, so the rate does not drift.
    clock.timer = setTimeout(() => {
      clock.ticks++;
      const { limit } = runtime.config;
      if (limit !== -1 && runtime.runsDone >= limit) {
        this.cancel(runtime);
        return;
      }
      this.armTick(runtime, clock);
      this.hooks.due(runtime);
    }, Math.max(0, at - Date.now()));
  }

  private tickTime(runtime: AgentRuntime, tick: number): number {
    const clock = this.clocks.get(runtime);
    return (clock?.origin ?? Date.now()) + tick * this.intervalMs(runtime);
  }

  private intervalMs(runtime: AgentRuntime): number {
    return (runtime.config.execution_interval ?? 0) * 1000;
  }
}
