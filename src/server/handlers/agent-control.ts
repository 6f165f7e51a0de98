// start, stop and restart of one agent.

import type { Handler } from "../context.ts";
import { requiredAgent } from "./args.ts";

export const start: Handler<"start"> = {
  parseArgs: requiredAgent,
  async run(ctx, args) {
    const { runtime, alsoStarted } = await ctx.orchestrator.start(args.agent);
    return {
      agent: args.agent,
      action: "started",
      pid: runtime.process?.pid ?? null,
      status: runtime.status,
      waiting_reason: runtime.status === "waiting" ? runtime.waitingReason : null,
      queue_position: ctx.orchestrator.queuePositions().get(runtime) ?? null,
      also_started: alsoStarted,
    };
  },
};

export const stop: Handler<"stop"> = {
  parseArgs: requiredAgent,
  async run(ctx, args) {
    const graceful = await ctx.orchestrator.stop(args.agent);
    return { agent: args.agent, action: "stopped", graceful_shutdown: graceful };
  },
};

export const restart: Handler<"restart"> = {
  parseArgs: requiredAgent,
  async run(ctx, args) {
    const runtime = await ctx.orchestrator.restart(args.agent);
    return { agent: args.agent, action: "restarted", pid: runtime.process?.pid ?? null, status: runtime.status };
  },
};
