// The effects a lifecycle transition asks for (lifecycle-types.ts), carried out: one case each.

import type { NewEvent } from "./events.ts";
import type { HealthMonitor } from "./health-monitor.ts";
import type { Effect, LifecycleEvent } from "./lifecycle-types.ts";
import type { PeriodicSchedule } from "./periodic.ts";
import type { Clock } from "./ports.ts";
import { type AgentRuntime, countRun } from "./runtime.ts";
import type { StartQueue } from "./start-queue.ts";

/** What performing an effect needs of the supervisor. */
export interface EffectShell {
  readonly clock: Clock;
  readonly queue: StartQueue;
  readonly schedule: PeriodicSchedule;
  readonly health: HealthMonitor;
  record(event: NewEvent): void;
  dispatch(runtime: AgentRuntime, event: LifecycleEvent): void;
  reconcile(): void;
  /** Starts the agent's process (or dispatches why it could not start). */
  spawn(runtime: AgentRuntime): void;
  /** The process has exited: its slot, pid record, checks and timers go with it. */
  processGone(runtime: AgentRuntime): void;
}

export function performEffect(shell: EffectShell, runtime: AgentRuntime, effect: Effect): void {
  const { clock } = shell;
  switch (effect.type) {
    case "record":
      shell.record(effect.event);
      break;
    case "enqueue":
      shell.queue.add(runtime, effect.front);
      break;
    case "dequeue":
      shell.queue.remove(runtime);
      break;
    case "spawn":
      shell.spawn(runtime);
      break;
    case "arm_watchdog":
      clock.clearTimer(runtime.watchdogTimer);
      runtime.watchdogTimer = clock.setTimer(() => {
        runtime.watchdogTimer = null;
        shell.dispatch(runtime, { type: "watchdog_missed", seconds: effect.delayMs / 1000 });
      }, effect.delayMs);
      break;
    case "terminate":
      runtime.process?.signalGroup(runtime.config.stop_signal);
      runtime.stopDeadline ??= clock.setTimer(() => {
        runtime.stopDeadline = null;
        shell.dispatch(runtime, { type: "stop_deadline" });
      }, runtime.config.stop_timeout * 1000);
      break;
    case "kill":
      runtime.process?.signalGroup("SIGKILL");
      break;
    case "arm_backoff":
      clock.clearTimer(runtime.timer);
      runtime.timer = clock.setTimer(() => {
        runtime.timer = null;
        shell.dispatch(runtime, { type: "backoff_elapsed" });
      }, effect.delayMs);
      break;
    case "arm_run_timeout":
      clock.clearTimer(runtime.runTimer);
      runtime.runTimer = clock.setTimer(() => {
        runtime.runTimer = null;
        shell.dispatch(runtime, { type: "run_timed_out" });
      }, effect.delayMs);
      break;
    case "cancel_timers":
      clock.clearTimer(runtime.timer);
      clock.clearTimer(runtime.runTimer);
      runtime.timer = null;
      runtime.runTimer = null;
      break;
    case "schedule_begin":
      shell.schedule.begin(runtime);
      break;
    case "schedule_after_run":
      shell.schedule.afterRun(runtime);
      break;
    case "schedule_cancel":
      shell.schedule.cancel(runtime);
      break;
    case "health_begin":
      shell.health.begin(runtime);
      break;
    case "health_end":
      shell.health.end(runtime);
      break;
    case "process_gone":
      shell.processGone(runtime);
      break;
    case "count_run":
      countRun(runtime.executions, effect.durationMs, effect.ok);
      break;
    case "stopped":
      for (const resolve of runtime.stopWaiters.splice(0)) resolve(effect.graceful);
      break;
    case "reconcile":
      shell.reconcile();
      break;
    default: {
      const unhandled: never = effect;
      throw new Error(`unhandled lifecycle effect ${JSON.stringify(unhandled)}`);
    }
  }
}
