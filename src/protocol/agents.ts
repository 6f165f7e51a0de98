// The agents' vocabulary on the wire: statuses, kinds, why an agent waits, dependency
// conditions and edges, and the names agents may have.

export type AgentStatus = "waiting" | "starting" | "running" | "stopping" | "stopped" | "completed" | "failed" | "backoff";

/** The kinds of agent; config's `kind` takes these. */
export const AGENT_KINDS = ["looping", "oneshot", "periodic"] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

/** Why a `waiting` agent is not running: its dependencies, a worker slot, or its next periodic run. */
export type WaitingReason = "dependencies" | "queued" | "next_run";

/** What a `depends_on` edge waits for; config's `depends_on = { X = "…" }` takes these. */
export const DEPENDENCY_CONDITIONS = ["started", "completed", "ready"] as const;
export type DependencyCondition = (typeof DEPENDENCY_CONDITIONS)[number];

export interface AgentCounts {
  total_agents: number;
  running_agents: number;
  waiting_agents: number;
  failed_agents: number;
}

export interface DependencyEdge {
  from: string;
  to: string;
  condition: DependencyCondition;
  satisfied: boolean;
}

/** Agent names, as config and wire arguments both require them. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What commands may name at run time: an agent, or one copy of an agent with `instances` (web#2). */
export const RUNNING_AGENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(#[1-9][0-9]{0,3})?$/;
