// The part of the lifecycle that decides what a periodic agent's runs do: a run falling due on
// its schedule, and a manual `run` — start, queue behind the run going (overlap), or skip.
// Pure, like lifecycle.ts: a new state and effects, nothing performed.

import type { Effect, LifecycleState, Transition, TransitionContext } from "./lifecycle-types.ts";

const ignored = (state: LifecycleState): Transition => ({ state, effects: [] });

/**
 * `run`: at rest or idle between scheduled runs, one manual run joins the start queue; with a run
 * going, overlap "queue"/"kill" queue the next one (kill also ends the one going). A run already
 * in line, overlap "skip" with a run going, or a non-periodic agent: the command refuses first.
 */
export function runRequested(state: LifecycleState, ctx: TransitionContext): Transition {
  const { config } = ctx;
  if (config.kind !== "periodic") return ignored(state);
  const next: LifecycleState = { ...state };
  if (ctx.pid === null) {
    if (state.status === "waiting" && state.waitingReason !== "next_run") return ignored(state);
    next.manualRun = true;
    next.status = "waiting";
    next.waitingReason = "dependencies";
    return { state: next, effects: [{ type: "enqueue", front: false }, { type: "reconcile" }] };
  }
  if (config.overlap === "skip" || state.overlapQueued || state.stopReason !== null) return ignored(state);
  next.overlapQueued = true;
  const effects: Effect[] = [
    {
      type: "record",
      event: { type: "EXECUTION_QUEUED", agent: config.name, severity: "INFO", details: { overlap: config.overlap, running_pid: ctx.pid, manual: true } },
    },
  ];
  if (config.overlap === "kill") effects.push({ type: "terminate" });
  return { state: next, effects };
}

/** A periodic run fell due; a run still going or still queued makes this one a skipped run. */
export function runDue(state: LifecycleState, ctx: TransitionContext): Transition {
  const { config } = ctx;
  if (config.kind !== "periodic" || !state.wanted) return ignored(state);
  const inLine = state.status === "waiting" && state.waitingReason !== "next_run";
  const inFlight = ctx.pid !== null || inLine;
  // The run in flight is the last one the limit allows: nothing more is due, so nothing is skipped.
  if (config.limit !== -1 && state.runsDone + (inFlight ? 1 : 0) >= config.limit) return ignored(state);
  const next: LifecycleState = { ...state };
  if (!inFlight) {
    next.status = "waiting";
    next.waitingReason = "dependencies";
    return { state: next, effects: [{ type: "enqueue", front: false }, { type: "reconcile" }] };
  }
  const agent = config.name;
  if (config.overlap === "skip" || ctx.pid === null || state.overlapQueued) {
    const reason =
      ctx.pid !== null ? (state.overlapQueued ? "a run is already queued behind the one going" : "previous run still going") : "previous run still queued";
    return { state, effects: [{ type: "record", event: { type: "EXECUTION_SKIPPED", agent, severity: "WARNING", details: { reason } } }] };
  }
  // "queue": the due run starts as soon as this one ends; "kill": and this one is ended now.
  next.overlapQueued = true;
  const effects: Effect[] = [
    { type: "record", event: { type: "EXECUTION_QUEUED", agent, severity: "INFO", details: { overlap: config.overlap, running_pid: ctx.pid } } },
  ];
  if (config.overlap === "kill") effects.push({ type: "terminate" });
  return { state: next, effects };
}
