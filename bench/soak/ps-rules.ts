// What a ps (or status) answer must say: the rules every entry obeys whatever churn is doing, and
// what each role may be doing once things have settled.

import type { PsAgent } from "../../src/protocol/commands.ts";
import { type AgentPlan, type Role, STEADY } from "./plan.ts";
import type { Run } from "./run.ts";

/** Rules every ps entry obeys at any moment, whatever churn is doing. */
export function entryProblem(agent: PsAgent, plan: AgentPlan | undefined): string | null {
  if (!plan) return `unknown agent ${agent.name}`;
  if (agent.kind !== plan.kind) return `${agent.name}: kind ${agent.kind}, configured ${plan.kind}`;
  const hasProcess = agent.status === "running" || agent.status === "stopping";
  if (hasProcess !== (agent.pid !== null) && agent.status !== "starting") return `${agent.name}: status ${agent.status} with pid ${agent.pid}`;
  if ((agent.status === "waiting") !== (agent.waiting_reason !== null)) {
    return `${agent.name}: status ${agent.status} with waiting_reason ${agent.waiting_reason}`;
  }
  if (agent.status === "backoff" && agent.next_run === null) return `${agent.name}: backoff without next_run`;
  if (agent.waiting_reason === "next_run" && agent.next_run === null) return `${agent.name}: waiting for next_run without next_run`;
  if (agent.pid === null && agent.uptime_seconds !== 0) return `${agent.name}: no pid but uptime ${agent.uptime_seconds}`;
  return null;
}

export function psProblems(agents: readonly PsAgent[], run: Run): string[] {
  const problems: string[] = [];
  const names = agents.map((agent) => agent.name);
  if (new Set(names).size !== names.length) problems.push("an agent is listed twice");
  const missing = run.plans.filter((plan) => !names.includes(plan.name));
  if (missing.length > 0) problems.push(`missing from ps: ${missing.map((plan) => plan.name).join(", ")}`);
  for (const agent of agents) {
    const problem = entryProblem(agent, run.byName.get(agent.name));
    if (problem) problems.push(problem);
  }
  return problems;
}

/** After churn and the revive: what each role may be doing. */
export function settledProblem(agent: PsAgent, plan: AgentPlan, run: Run): string | null {
  const queued = run.options.maxWorkers > 0 && agent.status === "waiting";
  if (STEADY.has(plan.role)) return agent.status === "running" || queued ? null : `${agent.name} (${plan.role}) is ${agent.status}, not running`;
  const allowed: Record<Exclude<Role, "sleeper" | "shell-loop" | "forker" | "stubborn">, readonly string[]> = {
    crasher: ["running", "backoff", "waiting"],
    "crash-fail": ["running", "backoff", "waiting", "failed"],
    periodic: ["running", "waiting"],
    "periodic-timeout": ["running", "waiting"],
    "periodic-rate": ["running", "waiting"],
    oneshot: ["running", "waiting", "completed"],
  };
  const ok = allowed[plan.role as keyof typeof allowed].includes(agent.status);
  return ok ? null : `${agent.name} (${plan.role}) is ${agent.status}`;
}
