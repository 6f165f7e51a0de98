// ps and status: what the agents and the orchestrator are doing now.

import type { OrchestratorStatusData } from "../../protocol/commands.ts";
import { formatUptime } from "../../protocol/format.ts";
import type { ServerContext, Handler } from "../context.ts";
import { noArgs, optionalAgent } from "./args.ts";
import { agentStatus, psAgent } from "./views.ts";

export const ps: Handler<"ps"> = {
  parseArgs: noArgs,
  async run(ctx) {
    const now = Date.now();
    const positions = ctx.orchestrator.queuePositions();
    return { agents: ctx.orchestrator.list().map((runtime) => psAgent(runtime, now, positions)) };
  },
};

export const status: Handler<"status"> = {
  parseArgs: optionalAgent,
  async run(ctx, args) {
    if (args.agent === undefined) return orchestratorStatus(ctx);
    const runtime = ctx.orchestrator.mustGet(args.agent);
    const pid = runtime.process?.pid;
    const usage = pid === undefined ? undefined : (await ctx.sampler.sample([pid])).get(pid);
    return agentStatus(ctx.orchestrator, runtime, usage ?? { cpuPercent: 0, memoryBytes: 0, openFiles: 0 });
  },
};

function orchestratorStatus(ctx: ServerContext): OrchestratorStatusData {
  const { orchestrator, config } = ctx;
  const seconds = Math.floor((Date.now() - orchestrator.startedAt) / 1000);
  return {
    name: config.orchestrator.name,
    version: ctx.version,
    pid: process.pid,
    uptime: formatUptime(seconds),
    uptime_seconds: seconds,
    ...orchestrator.counts(),
    max_workers: config.orchestrator.max_workers,
    command_interface_enabled: config.orchestrator.enable_command_interface,
    command_socket_path: config.orchestrator.command_socket_path,
  };
}
