// start, stop and restart: of one agent, or of several (`A,B`, `all`, `@group`) with each one's outcome.

import type { ManyAction } from "../../orchestrator/many-agents.ts";
import { isSelection } from "../../orchestrator/selectors.ts";
import type { ManyAgentsData } from "../../protocol/commands.ts";
import type { ServerContext } from "../context.ts";
import type { Handler } from "../context.ts";
import { requiredSelection } from "./args.ts";

/** The several-agent form of a command, when `agent` names a selection or an agent's copies; null for one agent. */
export function many(ctx: ServerContext, action: ManyAction, agent: string): Promise<ManyAgentsData> | null {
  const copies = !ctx.orchestrator.get(agent) && ctx.orchestrator.family(agent).length > 0;
  if (!isSelection(agent) && !copies) return null;
  return ctx.orchestrator.many(action, ctx.orchestrator.select(agent.split(",")));
}

export const start: Handler<"start"> = {
  parseArgs: requiredSelection,
  async run(ctx, args) {
    const several = many(ctx, "started", args.agent);
    if (several) return several;
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
  parseArgs: requiredSelection,
  async run(ctx, args) {
    const several = many(ctx, "stopped", args.agent);
    if (several) return several;
    const graceful = await ctx.orchestrator.stop(args.agent);
    return { agent: args.agent, action: "stopped", graceful_shutdown: graceful };
  },
};

export const restart: Handler<"restart"> = {
  parseArgs: requiredSelection,
  async run(ctx, args) {
    const several = many(ctx, "restarted", args.agent);
    if (several) return several;
    const runtime = await ctx.orchestrator.restart(args.agent);
    return { agent: args.agent, action: "restarted", pid: runtime.process?.pid ?? null, status: runtime.status };
  },
};
