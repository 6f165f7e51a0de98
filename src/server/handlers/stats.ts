// stats: resource use of the orchestrator and its agents, sampled in one batch.

import type { StatsData } from "../../protocol/commands.ts";
import { formatBytes, formatPercent } from "../../protocol/format.ts";
import { sumUsage } from "../../orchestrator/resources.ts";
import type { Handler } from "../context.ts";
import { noArgs } from "./args.ts";
import { sampleAll, uptime } from "./usage.ts";

export const stats: Handler<"stats"> = {
  parseArgs: noArgs,
  async run(ctx): Promise<StatsData> {
    const total = sumUsage((await sampleAll(ctx)).values());
    const edges = ctx.orchestrator.edges();
    const satisfied = edges.filter((edge) => edge.satisfied).length;
    return {
      orchestrator: { ...uptime(ctx), ...ctx.orchestrator.counts() },
      system: {
        memory_usage: formatBytes(total.memoryBytes),
        memory_bytes: total.memoryBytes,
        cpu_usage: formatPercent(total.cpuPercent),
        cpu_percent: Math.round(total.cpuPercent * 10) / 10,
        open_files: total.openFiles,
      },
      dependencies: { total_dependencies: edges.length, satisfied, unsatisfied: edges.length - satisfied },
    };
  },
};
