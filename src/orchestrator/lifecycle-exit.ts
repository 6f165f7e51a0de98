// The part of the lifecycle that decides what an agent's own exit (or a failed spawn) means:
// restart now, back off, the next periodic run, or done for good (completed or failed).
// Pure: it edits the transition's new state and effect list, nothing else.

import type { Effect, ExitReport, LifecycleState, TransitionContext } from "./lifecycle-types.ts";
import { decideRestart } from "./restart-policy.ts";

/** An exit serve did not ask for. */
export function settleExit(next: LifecycleState, effects: Effect[], ctx: TransitionContext, exit: ExitReport, spawnError?: string): void {
  const { config } = ctx;
  next.lastExitCode = exit.status;
  const details: Record<string, unknown> = { pid: exit.pid === 0 ? null : exit.pid, exit_code: exit.code, signal: exit.signal, ran_ms: exit.ranMs };
  if (spawnError !== undefined) details.error = spawnError;
  if (config.kind === "looping") {
    settleLooping(next, effects, ctx, exit, details);
    return;
  }
  const ok = exit.status === 0 && !next.timedOut;
  effects.push({ type: "count_run", durationMs: exit.ranMs, ok });
  if (config.kind === "oneshot") {
    if (next.timedOut) details.timeout = config.timeout;
    finish(next, effects, ctx, ok, details);
    return;
  }
  if (next.manualRun) {
    settleManualRun(next, effects, ctx, ok, details);
    return;
  }
  next.runsDone++;
  const type = next.timedOut ? "EXECUTION_TIMEOUT" : ok ? "EXECUTION_COMPLETED" : "EXECUTION_FAILED";
  effects.push({ type: "record", event: { type, agent: config.name, severity: ok ? "INFO" : "WARNING", details: { ...details, run: next.runsDone } } });
  if (config.limit !== -1 && next.runsDone >= config.limit) {
    effects.push({ type: "schedule_cancel" });
    finish(next, effects, ctx, ok, { runs: next.runsDone, last_exit_code: exit.status });
    return;
  }
  next.status = "waiting";
  next.waitingReason = "next_run";
  effects.push({ type: "schedule_after_run" });
}

/** The end of a run `run` asked for: recorded, and the agent goes back to what it was doing. */
function settleManualRun(next: LifecycleState, effects: Effect[], ctx: TransitionContext, ok: boolean, details: Record<string, unknown>): void {
  next.manualRun = false;
  const type = next.timedOut ? "EXECUTION_TIMEOUT" : ok ? "EXECUTION_COMPLETED" : "EXECUTION_FAILED";
  effects.push({ type: "record", event: { type, agent: ctx.config.name, severity: ok ? "INFO" : "WARNING", details: { ...details, manual: true } } });
  // Scheduled: idle until the next run, whose time is unchanged. Not scheduled: at rest again.
  next.status = next.wanted ? "waiting" : "stopped";
  next.waitingReason = next.wanted ? "next_run" : null;
}

/** The program could not be started: refused for good, or like an exit with status 127. */
export function settleSpawnFailure(next: LifecycleState, effects: Effect[], ctx: TransitionContext, error: string, refused: boolean): void {
  if (!refused) {
    settleExit(next, effects, ctx, { code: 127, signal: null, status: 127, pid: 0, ranMs: 0 }, error);
    return;
  }
  next.lastExitCode = null;
  finish(next, effects, ctx, false, { pid: null, error });
}

function settleLooping(next: LifecycleState, effects: Effect[], ctx: TransitionContext, exit: ExitReport, details: Record<string, unknown>): void {
  const { config } = ctx;
  const agent = config.name;
  effects.push({ type: "record", event: { type: "AGENT_EXITED", agent, severity: exit.status === 0 ? "INFO" : "WARNING", details } });
  const history = { exitTimes: [...next.history.exitTimes], fastExits: next.history.fastExits };
  const decision = decideRestart(config, history, exit.status, exit.ranMs, ctx.now, ctx.random);
  next.history = history;
  switch (decision.action) {
    case "none":
      finish(next, effects, ctx, exit.status === 0, details);
      return;
    case "give_up":
      finish(next, effects, ctx, false, {
        ...details,
        reason: `crash loop: ${decision.exits} exits within ${decision.windowSeconds}s (max_restarts ${config.max_restarts})`,
      });
      return;
    case "now":
      next.restarts++;
      effects.push({ type: "record", event: { type: "AGENT_RESTARTED", agent, severity: "INFO", details: { reason: "exited", ...details } } });
      next.status = "waiting";
      next.waitingReason = "dependencies";
      effects.push({ type: "enqueue", front: false });
      return;
    case "backoff":
      next.status = "backoff";
      next.waitingReason = null;
      next.nextRunAt = ctx.now + decision.delayMs;
      effects.push(
        {
          type: "record",
          event: {
            type: "AGENT_BACKOFF",
            agent,
            severity: "WARNING",
            details: { delay_ms: decision.delayMs, attempt: history.fastExits, next_retry: new Date(next.nextRunAt).toISOString() },
          },
        },
        { type: "arm_backoff", delayMs: decision.delayMs },
      );
      return;
  }
}

/** The agent is done for good: completed or failed. */
function finish(next: LifecycleState, effects: Effect[], ctx: TransitionContext, ok: boolean, details: Record<string, unknown>): void {
  next.wanted = false;
  next.status = ok ? "completed" : "failed";
  next.waitingReason = null;
  next.nextRunAt = null;
  effects.push({
    type: "record",
    event: { type: ok ? "AGENT_COMPLETED" : "AGENT_FAILED", agent: ctx.config.name, severity: ok ? "INFO" : "ERROR", details },
  });
}
