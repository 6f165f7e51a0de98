// The two shapes of client command: about the orchestrator (no agent) and about one agent.

import { defineCommand } from "./command.ts";
import { COMMAND_TABLE } from "../protocol/command-table.ts";
import type { CommandName, DataOf, ManyAgentsData } from "../protocol/commands.ts";
import { EXIT } from "./errors.ts";
import { clientArgs, clientOptions, takeAgents, takePositionals } from "./args.ts";
import { renderMany } from "./render/many.ts";
import { callAndEmit } from "./run.ts";

type NoArgCommand = "stats" | "report" | "reload" | "dependencies";
type AgentCommand = "start" | "stop" | "restart";

const socketPositional = { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" } as const;

export function defineOrchestratorCommand<C extends NoArgCommand>(name: C, render: (data: DataOf<C>) => string, defaultTimeoutSeconds?: number) {
  return defineCommand({
    meta: { name, description: COMMAND_TABLE[name].description },
    args: { socket_path: socketPositional, ...clientArgs },
    async run({ args }) {
      const options = clientOptions(args, defaultTimeoutSeconds);
      takePositionals(options, { required: [] });
      await callAndEmit(options, name as CommandName, {}, render as (data: unknown) => string);
    },
  });
}

/** start/stop/restart of one agent (`render`), or of several (`A B`, `all`, `@group`) with one line each. */
export function defineAgentCommand<C extends AgentCommand>(
  name: C,
  render: (data: Exclude<DataOf<C>, ManyAgentsData>) => string,
  defaultTimeoutSeconds?: number,
) {
  return defineCommand({
    meta: { name, description: COMMAND_TABLE[name].description },
    args: {
      agent: { type: "positional", required: true, description: "Agent name(s), all, or @group" },
      socket_path: socketPositional,
      ...clientArgs,
    },
    async run({ args }) {
      const options = clientOptions(args, defaultTimeoutSeconds);
      const agent = takeAgents(options);
      const envelope = await callAndEmit(options, name as AgentCommand, { agent }, (data) =>
        "agents" in data ? renderMany(data) : (render as (data: unknown) => string)(data),
      );
      if (envelope.status === "success" && "agents" in envelope.data && envelope.data.failed > 0) process.exitCode = EXIT.error;
    },
  });
}
