// shutdown: answers at once with what will happen, then streams each agent as it stops.

import { isActive } from "../../orchestrator/runtime.ts";
import { type Handler, STREAMED } from "../context.ts";
import { noArgs } from "./args.ts";

export const shutdown: Handler<"shutdown"> = {
  parseArgs: noArgs,
  async run(ctx, _args, send) {
    const agentsToStop = ctx.orchestrator.list().filter(isActive).length;
    const estimate = ctx.orchestrator.estimateShutdownSeconds();
    send(
      {
        action: "shutdown_initiated",
        agents_to_stop: agentsToStop,
        estimated_time: `${estimate} ${estimate === 1 ? "second" : "seconds"}`,
        estimated_seconds: estimate,
      },
      false,
    );
    const result = await ctx.shutdown((agent, graceful) => send({ action: "agent_stopped", agent, graceful_shutdown: graceful }, false));
    send({ action: "shutdown_complete", agents_stopped: result.stopped, all_graceful: result.allGraceful }, true);
    return STREAMED;
  },
};
