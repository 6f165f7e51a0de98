// `history-stats`: how many events of each type the history keeps, and how full it is.

import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { clientArgs, clientOptions, takePositionals } from "../args.ts";
import { renderHistoryStats } from "../render/history.ts";
import { callAndEmit } from "../run.ts";

export default defineCommand({
  meta: { name: "history-stats", description: COMMAND_TABLE["history-stats"].description },
  args: {
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    agent: { type: "string", description: "Only events of this agent", valueHint: "name" },
  },
  async run({ args }) {
    const options = clientOptions(args);
    takePositionals(options, { required: [] });
    await callAndEmit(options, "history-stats", args.agent === undefined ? {} : { agent: args.agent }, renderHistoryStats);
  },
});
