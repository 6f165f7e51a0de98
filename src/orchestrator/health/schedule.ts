// When the checks of one probe run: first after the initial delay, then `interval` after the end
// of the previous one, so two checks never overlap and a slow check delays the next instead of
// piling up. Timers stay ref'd (checks are real work) and stop() clears them.

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
  /** For tests: the timer functions to use. */
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
}

export function startChecks(options: ScheduleOptions): CheckSchedule {
  const timers = options.timers ?? { setTimeout, clearTimeout };
  let timer: Timer | undefined;
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
    if (!stopped) timer = timers.setTimeout(check, options.intervalMs);
  };
  timer = timers.setTimeout(check, options.initialDelayMs);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
