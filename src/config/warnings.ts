// Settings that are valid but work against each other, or that the spawn would trip over today
// (launch-checks.ts): reported (validate, serve's start-up log), never refused.

import { launchWarnings } from "./launch-checks.ts";
import { segment } from "./schema.ts";
import type { Config } from "./types.ts";

const seconds = (value: number) => `${value} s`;

/** One line per problem, each starting with the key path it is about. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const limit = config.orchestrator.command_timeout;
  for (const agent of config.agents) {
    // The stop is answered only once the agent is gone, and the answer is cut at command_timeout;
    // at equal values the SIGKILL and the deadline race, and the deadline, armed first, wins.
    if (agent.stop_timeout < limit) continue;
    const relation = agent.stop_timeout > limit ? "exceeds" : "equals";
    warnings.push(
      `agents.${segment(agent.name)}.stop_timeout: ${seconds(agent.stop_timeout)} ${relation} orchestrator.command_timeout (${seconds(limit)}): ` +
        `a stop or restart that waits out stop_timeout is answered COMMAND_TIMEOUT after ${seconds(limit)} ` +
        `while the stop goes on (SIGKILL at ${seconds(agent.stop_timeout)}); raise command_timeout or lower stop_timeout`,
    );
  }
  return [...warnings, ...launchWarnings(config.agents)];
}
