import { defineCommand } from "citty";
import type { AgentStatusData, OrchestratorStatusData } from "../../protocol/commands.ts";
import { clientArgs, clientOptions, takePositionals } from "../args.ts";
import { renderAgentStatus, renderOrchestratorStatus } from "../render/status.ts";
import { callAndEmit } from "../run.ts";

export default defineCommand({
  meta: { name: "status", description: "Detailed status of one agent, or of the orchestrator when no agent is named" },
  args: {
    agent: { type: "positional", required: false, description: "Agent name (omit for the orchestrator)" },
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
  },
  async run({ args }) {
    const options = clientOptions(args);
    const { agent } = takePositionals(options, { required: [], optional: ["agent"] });
    await callAndEmit(options, "status", agent === undefined ? {} : { agent }, (data) =>
      "configuration" in data ? renderAgentStatus(data as AgentStatusData) : renderOrchestratorStatus(data as OrchestratorStatusData),
    );
  },
});
