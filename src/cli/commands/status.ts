// `status [AGENT]`: one agent in detail, or the orchestrator's figures; with --wait, only once
// the orchestrator answers (and the agent is up), for scripts.

import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import type { AgentStatusData, OrchestratorStatusData } from "../../protocol/commands.ts";
import { clientArgs, clientOptions, takePositionals } from "../args.ts";
import { emit } from "../output.ts";
import { renderAgentStatus, renderOrchestratorStatus } from "../render/status.ts";
import { callAndEmit } from "../run.ts";

const render = (data: AgentStatusData | OrchestratorStatusData) => ("configuration" in data ? renderAgentStatus(data) : renderOrchestratorStatus(data));

export default defineCommand({
  meta: { name: "status", description: COMMAND_TABLE.status.description },
  args: {
    agent: { type: "positional", required: false, description: "Agent name (omit for the orchestrator)" },
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    wait: {
      type: "boolean",
      description: "Answer only once the orchestrator answers and the agent is up (running, completed, or between periodic runs), within --timeout",
    },
  },
  async run({ args }) {
    const options = clientOptions(args);
    const { agent } = takePositionals(options, { required: [], optional: ["agent"] });
    if (args.wait) {
      const { waitForStatus } = await import("../status-wait.ts");
      emit(await waitForStatus(options, agent), options.format, render);
      return;
    }
    await callAndEmit(options, "status", agent === undefined ? {} : { agent }, render);
  },
});
