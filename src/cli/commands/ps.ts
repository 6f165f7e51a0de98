// `ps`: every agent's status, pid and uptime; --wide adds kind, restarts, next run and STATUS= text.

import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { clientArgs, clientOptions, takePositionals } from "../args.ts";
import { renderPs, renderPsWide } from "../render/ps.ts";
import { callAndEmit } from "../run.ts";

export default defineCommand({
  meta: { name: "ps", description: COMMAND_TABLE.ps.description },
  args: {
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    wide: { type: "boolean", description: "Also the kind, restarts, next run and a notify agent's STATUS= text" },
  },
  async run({ args }) {
    const options = clientOptions(args);
    takePositionals(options, { required: [] });
    const render = args.wide ? renderPsWide : renderPs;
    await callAndEmit(options, "ps", {}, render as (data: unknown) => string);
  },
});
