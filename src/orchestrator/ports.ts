// The seams of the lifecycle shell: time and processes. Serve uses the system's; the lifecycle
// unit tests pass a fake clock and fake processes and run crash loops and schedules in milliseconds.

import type { AgentConfig } from "../config/types.ts";
import { type AgentProcess, type SpawnOptions, spawnAgent } from "./agent-process.ts";
import { now as wallClockNow } from "./clock.ts";
import type { OutputLog } from "./output-log.ts";

/** Whatever the clock hands out for a timer; only that clock can clear it. */
export type TimerHandle = object;

export interface Clock {
  /** Real time (ms since the epoch): run durations, backoff, timers. */
  now(): number;
  /** The wall clock schedules read (cron minutes): real time, or shifted by PYORCHESTRATE_FAKE_NOW. */
  wallNow(): number;
  setTimer(fire: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle | null): void;
}

export interface Spawner {
  /** Starts one run; throws when the program cannot be started (missing command or cwd, account refused). */
  spawn(config: AgentConfig, log: OutputLog, options: SpawnOptions): AgentProcess;
}

/** Told each agent's process group as it starts and ends: serve's death guard (system/death-guard.ts). */
export interface GroupTracker {
  track(pgid: number): void;
  untrack(pgid: number): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  wallNow: wallClockNow,
  setTimer: (fire, delayMs) => setTimeout(fire, delayMs),
  clearTimer: (handle) => {
    if (handle !== null) clearTimeout(handle as Timer);
  },
};

export const processSpawner: Spawner = { spawn: spawnAgent };
