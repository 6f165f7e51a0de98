// `run AGENT [--wait]`: one run of a periodic agent now; with `wait`, a stream that ends when
// that run has ended, told by the event history (the run's EXECUTION_STARTED is the first after
// the request, its end the first EXECUTION_* or AGENT_STOPPED with the same pid after that).

import type { OrchestratorEvent } from "../../orchestrator/events.ts";
import { OrchestratorError } from "../../orchestrator/errors.ts";
import type { RunFrame } from "../../protocol/commands.ts";
import { type Handler, STREAMED } from "../context.ts";
import { isSelection } from "../../orchestrator/selectors.ts";
import { many } from "./agent-control.ts";
import { requiredSelection } from "./args.ts";

const ENDINGS: Record<string, Extract<RunFrame, { action: "run_finished" }>["outcome"]> = {
  EXECUTION_COMPLETED: "completed",
  EXECUTION_FAILED: "failed",
  EXECUTION_TIMEOUT: "timeout",
  AGENT_STOPPED: "stopped",
};

export const run: Handler<"run"> = {
  parseArgs(raw) {
    const { wait, ...rest } = raw;
    if (wait !== undefined && typeof wait !== "boolean") {
      throw new OrchestratorError("INVALID_ARGUMENT", "argument 'wait' must be a boolean", { argument: "wait" });
    }
    const { agent } = requiredSelection(rest);
    if (wait === true && isSelection(agent)) {
      throw new OrchestratorError("INVALID_ARGUMENT", "argument 'wait' follows the run of one agent", { argument: "wait" });
    }
    return { agent, ...(wait === true ? { wait } : {}) };
  },
  async run(ctx, args, send, gone) {
    const several = many(ctx, "run", args.agent);
    if (several) return several;
    const { orchestrator } = ctx;
    // Listening before the request: a run that starts and ends at once is not missed.
    const seen: OrchestratorEvent[] = [];
    const unsubscribe = args.wait ? orchestrator.events.subscribe((event) => event.agent === args.agent && seen.push(event)) : () => {};
    try {
      const { runtime, afterSeq } = await orchestrator.run(args.agent);
      const started: RunFrame = {
        agent: args.agent,
        action: "run_started",
        pid: runtime.process?.pid ?? null,
        status: runtime.status,
        waiting_reason: runtime.status === "waiting" ? runtime.waitingReason : null,
        queue_position: orchestrator.queuePositions().get(runtime) ?? null,
      };
      if (!args.wait) return started;
      send(started, false);
      const finished = await runEnd(seen, afterSeq, orchestrator.events.subscribe.bind(orchestrator.events), gone);
      if (finished) send({ agent: args.agent, action: "run_finished", ...finished }, true);
      return STREAMED;
    } finally {
      unsubscribe();
    }
  },
};

type Ending = Omit<Extract<RunFrame, { action: "run_finished" }>, "agent" | "action">;

/** Resolves with how the run ended, or null when the client left first. */
function runEnd(seen: OrchestratorEvent[], afterSeq: number, subscribe: (listener: () => void) => () => void, gone: AbortSignal): Promise<Ending | null> {
  return new Promise((resolve) => {
    let pid: number | null = null;
    const check = () => {
      for (const event of seen.splice(0)) {
        if (event.seq <= afterSeq) continue;
        if (pid === null && event.type === "EXECUTION_STARTED") pid = Number(event.details.pid);
        else if (pid === null && (event.type === "AGENT_STOPPED" || ENDINGS[event.type]) && event.details.pid === null) return done(ending(event));
        else if (pid !== null && ENDINGS[event.type] && event.details.pid === pid) return done(ending(event));
      }
    };
    const stop = subscribe(() => queueMicrotask(check));
    const onGone = () => done(null);
    gone.addEventListener("abort", onGone);
    const done = (value: Ending | null) => {
      stop();
      gone.removeEventListener("abort", onGone);
      resolve(value);
    };
    check();
  });
}

function ending(event: OrchestratorEvent): Ending {
  const { details } = event;
  const num = (value: unknown) => (typeof value === "number" ? value : null);
  return {
    outcome: ENDINGS[event.type] ?? "failed",
    pid: num(details.pid),
    exit_code: num(details.exit_code),
    signal: typeof details.signal === "string" ? details.signal : null,
    duration_ms: num(details.ran_ms),
  };
}
