// `scale AGENT N`: how many copies of an agent with `instances` run, until serve stops or a
// reload changes the agent.

import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { clientArgs, clientOptions, takePositionals } from "../args.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { renderScale } from "../render/scale.ts";
import { callAndEmit } from "../run.ts";

export default defineCommand({
  meta: { name: "scale", description: COMMAND_TABLE.scale.description },
  args: {
    agent: { type: "positional", required: true, description: "An agent with instances" },
    instances: { type: "positional", required: true, description: "How many copies (1–1000)" },
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
  },
  async run({ args }) {
    const options = clientOptions(args);
    const { agent, instances } = takePositionals(options, { required: ["agent", "instances"] });
    const count = Number(instances);
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`N must be a whole number of copies, 1 or more (got '${instances}')`);
    await callAndEmit(options, "scale", { agent: agent as string, instances: count }, renderScale);
  },
});
