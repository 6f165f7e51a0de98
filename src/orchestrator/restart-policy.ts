// When a looping agent that exited comes back: at once, after a backoff, or never (crash-loop guard).

import type { AgentConfig } from "../config/types.ts";

/** A run at least this long counts as healthy: the next restart is immediate and the backoff resets. */
export const STABLE_RUN_MS = 10_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 60_000;
const JITTER = 0.1;

export type RestartDecision =
  | { action: "none" }
  | { action: "now" }
  | { action: "backoff"; delayMs: number }
  | { action: "give_up"; exits: number; windowSeconds: number };

export interface RestartHistory {
  /** Times (ms) of the exits inside the current window. */
  exitTimes: number[];
  /** Fast exits in a row; drives the exponential backoff. */
  fastExits: number;
}

export function wantsRestart(config: AgentConfig, exitStatus: number): boolean {
  if (config.restart === "always") return true;
  if (config.restart === "on-failure") return exitStatus !== 0;
  return false;
}

/** Records one exit in `history` and says what to do about it. */
export function decideRestart(
  config: AgentConfig,
  history: RestartHistory,
  exitStatus: number,
  ranMs: number,
  now: number,
  random: () => number = Math.random,
): RestartDecision {
  if (!wantsRestart(config, exitStatus)) return { action: "none" };
  const windowStart = now - config.restart_window * 1000;
  history.exitTimes = history.exitTimes.filter((t) => t > windowStart);
  history.exitTimes.push(now);
  if (history.exitTimes.length > config.max_restarts) {
    return { action: "give_up", exits: history.exitTimes.length, windowSeconds: config.restart_window };
  }
  if (ranMs >= STABLE_RUN_MS) {
    history.fastExits = 0;
    return { action: "now" };
  }
  history.fastExits++;
  return { action: "backoff", delayMs: backoffDelay(history.fastExits, random) };
}

/** 1 s, 2 s, 4 s … capped at 60 s, ±10 % jitter so agents that fail together do not retry in lockstep. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + JITTER * (2 * random() - 1)));
}

export function resetHistory(history: RestartHistory): void {
  history.exitTimes = [];
  history.fastExits = 0;
}
