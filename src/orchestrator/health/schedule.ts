// When the checks of one probe run: first after the initial delay, then `interval` after the end
// of the previous one, so two checks never overlap and a slow check delays the next instead of
// piling up. Timers stay ref'd (checks are real work) and stop() clears them.

import { type Clock, systemClock, type TimerHandle } from "../ports.ts";

export interface CheckSchedule {
  /** No check starts after this; one in flight finishes but schedules nothing. */
  stop(): void;
}

export interface ScheduleOptions {
  initialDelayMs: number;
  intervalMs: number;
  /** One check. A rejection does not end the schedule: it goes to onError. */
  run: () => Promise<void>;
  onError?: (error: unknown) => void;
  /** Whose timers to use: the supervisor's clock (a fake one in the lifecycle tests). */
  timers?: Pick<Clock, "setTimer" | "clearTimer">;
}

export function startChecks(options: ScheduleOptions): CheckSchedule {
  const timers = options.timers ?? systemClock;
  let timer: TimerHandle | undefined;
  let stopped = false;
  const check = async (): Promise<void> => {
    timer = undefined;
    try {
      await options.run();
    } catch (error) {
      try {
        options.onError?.(error);
      } catch {
        // a failing report must not end the schedule
      }
    }
    if (!stopped) timer = timers.setTimer(check, options.intervalMs);
  };
  timer = timers.setTimer(check, options.initialDelayMs);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimer(timer);
      timer = undefined;
    },
  };
}
