// `scale AGENT N`: how many copies of an agent with `instances` run.

import { OrchestratorError } from "../../orchestrator/errors.ts";
import type { Handler } from "../context.ts";
import { requiredAgent } from "./args.ts";

export const scale: Handler<"scale"> = {
  parseArgs(raw) {
    const { instances, ...rest } = raw;
    if (typeof instances !== "number" || !Number.isInteger(instances)) {
      throw new OrchestratorError("INVALID_ARGUMENT", "argument 'instances' must be a whole number", { argument: "instances" });
    }
    return { ...requiredAgent(rest), instances };
  },
  run: (ctx, args) => ctx.orchestrator.scale(args.agent, args.instances),
};
