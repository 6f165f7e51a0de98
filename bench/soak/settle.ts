// Invariant (1): after churn, what churn left stopped, failed or completed is started again, and
// every agent reaches its role's settled state with a consistent ps entry.

import { request } from "../../src/client/connection.ts";
import { pause } from "./interrupt.ts";
import { STEADY } from "./plan.ts";
import { psProblems, settledProblem } from "./ps-rules.ts";
import { psNow, type Run } from "./run.ts";
import { COMMAND_TIMEOUT_MS } from "./tally.ts";
import type { Verdict } from "./verdicts.ts";

/** Starts what churn left stopped, failed, completed (or steady agents in backoff), then waits for every role's settled state. */
export async function reviveAndSettle(run: Run): Promise<Verdict> {
  const name = "(1) every agent accounted for, consistent status";
  const details: string[] = [];
  const agents = await psNow(run);
  if (!agents) return { name, ok: false, summary: "ps did not answer after churn", details };
  for (const agent of agents) {
    const plan = run.byName.get(agent.name);
    const revive =
      agent.status === "stopped" ||
      agent.status === "failed" ||
      agent.status === "completed" ||
      (agent.status === "backoff" && plan !== undefined && STEADY.has(plan.role));
    if (!revive) continue;
    const answer = await request("start", { agent: agent.name }, { socketPath: run.socket, timeoutMs: COMMAND_TIMEOUT_MS }).catch((error: Error) => error);
    if (answer instanceof Error) details.push(`start ${agent.name}: ${answer.message}`);
    else if (answer.status === "error" && answer.error.code !== "AGENT_ALREADY_RUNNING") {
      details.push(`start ${agent.name} (was ${agent.status}): ${answer.error.code} ${answer.error.message}`);
    }
  }
  const startedWaiting = Date.now();
  let last: string[] = ["no ps answer"];
  while (Date.now() - startedWaiting < run.options.settleTimeout * 1000) {
    const now = await psNow(run);
    if (now) {
      last = psProblems(now, run);
      for (const agent of now) {
        const plan = run.byName.get(agent.name);
        const problem = plan ? settledProblem(agent, plan, run) : null;
        if (problem) last.push(problem);
      }
      if (last.length === 0) break;
    }
    await pause(200);
  }
  const settledMs = Date.now() - startedWaiting;
  if (last.length > 0) {
    return { name, ok: false, summary: `not settled after ${run.options.settleTimeout}s`, details: [...details, ...last] };
  }
  const during = run.psProblems.length;
  return {
    name,
    ok: details.length === 0 && during === 0,
    summary:
      `${run.plans.length}/${run.plans.length} in ps, settled ${(settledMs / 1000).toFixed(1)}s after the revive; ` +
      `${run.psChecked} ps answers during churn, ${during} inconsistent`,
    details: [...details, ...run.psProblems.slice(0, 10), ...(during > 10 ? [`… and ${during - 10} more`] : [])],
  };
}
