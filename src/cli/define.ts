// The two shapes of client command: about the orchestrator (no agent) and about one agent.

import { defineCommand } from "citty";
import { COMMAND_TABLE } from "../protocol/command-table.ts";
import type { CommandName, DataOf } from "../protocol/commands.ts";
import { clientArgs, clientOptions, takePositionals } from "./args.ts";
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

export function defineAgentCommand<C extends AgentCommand>(name: C, render: (data: DataOf<C>) => string, defaultTimeoutSeconds?: number) {
  return defineCommand({
    meta: { name, description: COMMAND_TABLE[name].description },
    args: {
      agent: { type: "positional", required: true, description: "Agent name" },
      socket_path: socketPositional,
      ...clientArgs,
    },
    async run({ args }) {
      const options = clientOptions(args, defaultTimeoutSeconds);
      const { agent } = takePositionals(options, { required: ["agent"] });
      await callAndEmit(options, name as AgentCommand, { agent: agent as string }, render as (data: unknown) => string);
    },
  });
}
