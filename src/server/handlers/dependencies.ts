// dependencies: who waits for whom, the order agents start in, and which edges hold right now.

import type { DependenciesData } from "../../protocol/commands.ts";
import { startOrder } from "../../config/dependency-graph.ts";
import type { Handler } from "../context.ts";
import { noArgs } from "./args.ts";

export const dependencies: Handler<"dependencies"> = {
  parseArgs: noArgs,
  async run(ctx): Promise<DependenciesData> {
    const agents = ctx.orchestrator.list().map((runtime) => runtime.config);
    const providers: Record<string, string[]> = {};
    for (const agent of agents) providers[agent.name] = Object.keys(agent.depends_on);
    return { dependencies: providers, order: startOrder(agents), edges: ctx.orchestrator.edges() };
  },
};
